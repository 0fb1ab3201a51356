import * as avalanchejs from '@avalabs/avalanchejs';
import { avaxSigner, issueAccepted } from '../../src/chains/platform/transfer.js';

/**
 * P- and X-Chain transactions of more types than a transfer (src/chains/platform/transfer.ts has
 * those): atomic export and import both ways, a subnet with an owner, a delegation with a rewards
 * owner. Each waits until the node accepted it. avalanchejs 5.2.0, typed loosely by hand (its
 * declaration files cannot be followed under NodeNext).
 */
const { avm, pvm, TransferableOutput } = avalanchejs as any;

const issue = (api: any, tx: any, key: Uint8Array): Promise<string> => issueAccepted(api, tx, key);

export async function issueMoreTxTypes(
  uri: string,
  privateKeyHex: string,
  owners: { subnet: Uint8Array; delegationRewards: Uint8Array; nodeId: string },
): Promise<void> {
  const signer = await avaxSigner(uri, privateKeyHex);
  const { key, from } = signer;
  const context = signer.context as any;
  const x = signer.x as any;
  const p = signer.p as any;
  const [xAddr, pAddr] = [signer.address.X, signer.address.P];
  const feeState = async () => p.getFeeState();

  // X → P: export then import.
  let { utxos } = await x.getUTXOs({ addresses: [xAddr] });
  await issue(
    x,
    avm.newExportTx(context, context.pBlockchainID, [from], utxos, [TransferableOutput.fromNative(context.avaxAssetID, 5_000_000_000n, [from])]),
    key,
  );
  ({ utxos } = await p.getUTXOs({ addresses: [pAddr], sourceChain: 'X' }));
  await issue(
    p,
    pvm.newImportTx({ fromAddressesBytes: [from], toAddressesBytes: [from], sourceChainId: context.xBlockchainID, utxos, feeState: await feeState() }, context),
    key,
  );

  // A subnet whose owner is named nowhere else.
  ({ utxos } = await p.getUTXOs({ addresses: [pAddr] }));
  await issue(p, pvm.newCreateSubnetTx({ fromAddressesBytes: [from], subnetOwners: [owners.subnet], utxos, feeState: await feeState() }, context), key);

  // A delegation to a genesis validator, its rewards to an owner named nowhere else.
  ({ utxos } = await p.getUTXOs({ addresses: [pAddr] }));
  const now = BigInt(Math.floor(Date.now() / 1000));
  await issue(
    p,
    pvm.newAddPermissionlessDelegatorTx(
      {
        fromAddressesBytes: [from],
        nodeId: owners.nodeId,
        start: now,
        end: now + 25n * 3600n,
        weight: 25_000_000_000n,
        subnetId: '11111111111111111111111111111111LpoYY',
        rewardAddresses: [owners.delegationRewards],
        utxos,
        feeState: await feeState(),
      },
      context,
    ),
    key,
  );

  // P → X: export then import.
  ({ utxos } = await p.getUTXOs({ addresses: [pAddr] }));
  await issue(
    p,
    pvm.newExportTx(
      {
        fromAddressesBytes: [from],
        destinationChainId: context.xBlockchainID,
        outputs: [TransferableOutput.fromNative(context.avaxAssetID, 1_000_000_000n, [from])],
        utxos,
        feeState: await feeState(),
      },
      context,
    ),
    key,
  );
  ({ utxos } = await x.getUTXOs({ addresses: [xAddr], sourceChain: 'P' }));
  await issue(x, avm.newImportTx(context, context.pBlockchainID, utxos, [from], [from]), key);
}
