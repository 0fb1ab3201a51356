import { describe, expect, it } from 'vitest';
import { accountRangePages, partitionBounds } from '../../../src/chains/evm/gethExport.js';
import type { AccountRecord } from '../../../src/state/account.js';
import type { Hex } from '../../../src/state/hex.js';
import { computeStateRoot } from '../../../src/state/stateRoot.js';
import { fillCChain, useLocalAvalanche } from '../../rigs/avalancheLocal.js';
import { EWOQ_EVM } from '../../../src/dev/localKeys.js';
import { cHead, type CBlock } from '../../helpers/cChain.js';

/**
 * The C-Chain (coreth) of a single-node avalanchego v1.14.0 local network, exported through the
 * same debug_accountRange path as geth, down to the state root.
 */

const WARP_PRECOMPILE = '0x0200000000000000000000000000000000000005';

describe('avalanchego v1.14.0 local network: C-Chain state export', () => {
  const local = useLocalAvalanche();

  it('C-Chain serves debug_accountRange with preimages; the exported state hashes to the block root', async () => {
    const net = local();
    const { cRpc } = net;
    // State built by real transactions from the pre-funded key: contracts with storage (one slot
    // written then zeroed), funded fresh accounts.
    const { contracts, storage, funded } = await fillCChain(net);

    const head = await cHead(cRpc);
    const blockNumber = Number(BigInt(head.number));
    const records: AccountRecord[] = [];
    let pages = 0;
    for (const bounds of partitionBounds(2)) {
      for await (const page of accountRangePages(cRpc, { blockNumber, ...bounds, pageSize: 7 })) {
        records.push(...page.records);
        pages += 1;
      }
    }
    expect(pages).toBeGreaterThan(4);
    const byAddress = new Map(records.map((r) => [r.address, r]));
    for (const a of [EWOQ_EVM, WARP_PRECOMPILE, ...contracts, ...funded]) expect(byAddress.has(a as Hex), a).toBe(true);
    for (const [address, slots] of Object.entries(storage)) expect(byAddress.get(address as Hex)?.storage).toEqual(slots);
    expect(byAddress.get(WARP_PRECOMPILE)).toMatchObject({ code: '0x01', nonce: '0x1' });
    // coreth's account encoding has a fifth field, so the geth-format root differs and the coreth
    // one is exact.
    expect(await computeStateRoot(records, 'coreth')).toBe(head.stateRoot);
    expect(await computeStateRoot(records)).not.toBe(head.stateRoot);

    // Pruning is off: the genesis state is still there, and hashes to block 0's root.
    const genesis = await cRpc.call<CBlock>('eth_getBlockByNumber', ['0x0', false]);
    const atGenesis: AccountRecord[] = [];
    for await (const page of accountRangePages(cRpc, { blockNumber: 0, start: `0x${'00'.repeat(32)}`, end: null })) atGenesis.push(...page.records);
    expect(atGenesis.map((r) => r.address).sort()).toEqual([WARP_PRECOMPILE, EWOQ_EVM].sort());
    expect(await computeStateRoot(atGenesis, 'coreth')).toBe(genesis.stateRoot);
    console.log(`C-Chain block ${blockNumber}: ${records.length} accounts in ${pages} pages, root ${head.stateRoot} recomputed`);
  });
});
