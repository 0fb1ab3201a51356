import { Wallet } from 'ethers';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { AvaxService } from '../../../src/chains/avax/api.js';
import { BlockTimestampEpochSource, evmBlockReader } from '../../../src/epoch/blockTimestampSource.js';
import { ProposerVmEpochSource } from '../../../src/epoch/proposervmSource.js';
import { EPOCH_SECONDS, useLocalAvalanche } from '../../rigs/avalancheLocal.js';

/**
 * proposervm epochs on a single-node avalanchego v1.14.0 local network whose P- and X-Chains have
 * made no block: the node's own epoch on P and C, and the block-timestamp fallback on X.
 */

describe('avalanchego v1.14.0 local network: epoch sources', () => {
  const local = useLocalAvalanche();

  it('proposervm on P and C, block timestamps on X (no /proposervm route)', async () => {
    const net = local();
    const { endpoints, pchain, xchain, sender } = net;
    const cReader = evmBlockReader(net.node.cChainRpcUrl);
    const pGenesis = await new AvaxService(endpoints.chain('P', 'proposervm')).call<{ startTime: string }>('proposervm.getCurrentEpoch');
    const pSource = new ProposerVmEpochSource({
      endpoints,
      chain: 'P',
      reader: pchain.blockReader({ genesisTimestamp: Number(pGenesis.startTime) }),
      durationSeconds: EPOCH_SECONDS,
    });
    const xSource = new ProposerVmEpochSource({ endpoints, chain: 'X', reader: xchain.blockReader(), durationSeconds: EPOCH_SECONDS });
    const cSource = new ProposerVmEpochSource({ endpoints, chain: 'C', reader: cReader, durationSeconds: EPOCH_SECONDS });

    // P: no P-Chain transaction, no P-Chain block: the node predicts epoch 1 from the genesis time.
    const p = await pSource.status(1);
    expect(p).toMatchObject({ kind: 'proposervm', chain: 'P', headHeight: 0, current: { number: 1, pChainHeight: 0 } });
    expect(p.sealed).toBeUndefined();

    // X: the route is missing (HTTP 404), so the source falls back and says so.
    const x = await xSource.status(1);
    expect(x.kind).toBe('block-timestamp');
    expect(x.fallbackReason).toMatch(/404/);
    expect(x).toMatchObject({ chain: 'X', headHeight: 0, current: { number: 1, pChainHeight: null } });

    // C: coreth makes a block only for a transaction, and epoch 1 starts at block 1 (the fork
    // block): one transfer makes sure it exists, so epoch 1 is running or sealed. Then a transaction
    // every two seconds keeps the chain moving until the current epoch seals, asking the node on the way.
    const keepMoving = () => sender.send([{ to: Wallet.createRandom().address, value: 1n, gasLimit: 21_000n }]);
    await keepMoving();
    const start = await cSource.status(1);
    expect(start.kind).toBe('proposervm');
    expect(start.node).toBeDefined();
    const firstBlock = await cReader.block(1);
    const target = start.current.number;
    if (target === 1) expect(start.current.startTime).toBe(firstBlock.timestamp); // epoch 1 starts at the fork block
    const seen: string[] = [];
    let sealedStatus = await cSource.status(target);
    const deadline = Date.now() + 3 * EPOCH_SECONDS * 1000;
    while (!sealedStatus.sealed) {
      if (Date.now() > deadline) throw new Error(`epoch ${target} did not seal: ${seen.join(' | ')}`);
      await keepMoving();
      sealedStatus = await cSource.status(target);
      seen.push(`${sealedStatus.headHeight}@${sealedStatus.headTimestamp}→${sealedStatus.current.number}`);
      await sleep(1_500);
    }
    const sealed = sealedStatus.sealed!;
    expect(sealedStatus.current.number).toBe(target + 1);
    expect(sealed.number).toBe(target);
    expect(sealed.startTime).toBe(start.current.startTime);
    expect(sealed.sealingTimestamp).toBe(sealedStatus.current.startTime);
    expect(sealed.sealingTimestamp).toBeGreaterThanOrEqual(sealed.startTime + EPOCH_SECONDS);
    expect(sealed.sealingPChainHeight).toBe(0); // no P-Chain block exists, every epoch pins height 0
    expect(sealed.pChainHeight).toBe(0);
    const before = await cReader.block(sealed.sealingHeight - 1);
    expect(before.timestamp).toBeLessThan(sealed.startTime + EPOCH_SECONDS);

    // A fresh source (nothing remembered) walks the timestamps and must agree, and so must the
    // plain timestamp source anchored at the fork block (its numbering starts at 0 there).
    const fresh = await new ProposerVmEpochSource({ endpoints, chain: 'C', reader: cReader, durationSeconds: EPOCH_SECONDS }).status(target);
    expect(fresh.sealed).toMatchObject({
      number: target,
      startTime: sealed.startTime,
      sealingHeight: sealed.sealingHeight,
      sealingTimestamp: sealed.sealingTimestamp,
      sealingPChainHeight: 0,
    });
    const plain = await new BlockTimestampEpochSource(cReader, { durationSeconds: EPOCH_SECONDS, anchorHeight: 1 }).status(target - 1);
    expect(plain.sealed?.sealingHeight).toBe(sealed.sealingHeight);
    console.log(
      `epochs: P ${JSON.stringify(p.node)}; X fallback (${x.fallbackReason?.slice(0, 80)}); ` +
        `C epoch ${target} sealed by block ${sealed.sealingHeight} at ${sealed.sealingTimestamp}, current ${JSON.stringify(sealedStatus.node)}`,
    );
  });
});
