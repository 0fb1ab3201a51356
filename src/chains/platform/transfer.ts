import * as avalanchejs from '@avalabs/avalanchejs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The part of avalanchejs 5.2.0 used here, typed by hand: its declaration files use extensionless
 * relative imports, which TypeScript's NodeNext resolution cannot follow.
 */
interface UnsignedTx {
  getSignedTx(): unknown;
}
interface ChainApi {
  getUTXOs(input: { addresses: string[] }): Promise<{ utxos: unknown[] }>;
  issueSignedTx(tx: unknown): Promise<{ txID: string }>;
  getTxStatus(input: { txID: string }): Promise<{ status: string }>;
}
interface AvalancheJs {
  addTxSignatures(input: { unsignedTx: UnsignedTx; privateKeys: Uint8Array[] }): Promise<void>;
  Context: { getContextFromURI(uri: string): Promise<{ avaxAssetID: string; hrp: string }> };
  TransferableOutput: { fromNative(assetId: string, amount: bigint, addresses: Uint8Array[], locktime?: bigint): unknown };
  secp256k1: { getPublicKey(key: Uint8Array): Uint8Array; publicKeyBytesToAddress(publicKey: Uint8Array): Uint8Array };
  utils: { hexToBuffer(hex: string): Uint8Array; bech32ToBytes(address: string): Uint8Array; formatBech32(hrp: string, bytes: Uint8Array): string };
  avm: { AVMApi: new (uri: string) => ChainApi; newBaseTx(context: unknown, from: Uint8Array[], utxos: unknown[], outputs: unknown[]): UnsignedTx };
  pvm: {
    PVMApi: new (uri: string) => ChainApi & { getFeeState(): Promise<unknown> };
    newBaseTx(input: { fromAddressesBytes: Uint8Array[]; outputs: unknown[]; utxos: unknown[]; feeState: unknown }, context: unknown): UnsignedTx;
  };
}
const { addTxSignatures, avm, Context, pvm, secp256k1, TransferableOutput, utils } = avalanchejs as unknown as AvalancheJs;

/**
 * X- and P-Chain transfers signed with avalanchejs: the post-launch check's own transfers (with the
 * operator's canary key) and the tests' funding. Each call waits until the node has accepted the
 * transaction, so what follows reads the new UTXOs.
 */

export interface Transfer {
  /** bech32 address of the recipient on the same chain (`X-…` / `P-…`). */
  to: string;
  amount: bigint;
  /** Optional time lock of the output (unix seconds). */
  locktime?: bigint;
}

async function accepted(getStatus: () => Promise<{ status: string }>, txID: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { status } = await getStatus();
    if (status === 'Accepted' || status === 'Committed') return;
    if (status === 'Rejected' || status === 'Dropped') throw new Error(`transaction ${txID} ${status}`);
    if (Date.now() > deadline) throw new Error(`transaction ${txID} still ${status} after 60 s`);
    await sleep(250);
  }
}

/** Sends from the key's own address on `chain` to each recipient, in one transaction. */
export async function sendAvax(uri: string, chain: 'X' | 'P', privateKeyHex: string, transfers: readonly Transfer[]): Promise<string> {
  const context = await Context.getContextFromURI(uri);
  const key = utils.hexToBuffer(privateKeyHex);
  const from = secp256k1.publicKeyBytesToAddress(secp256k1.getPublicKey(key));
  const outputs = transfers.map((t) => TransferableOutput.fromNative(context.avaxAssetID, t.amount, [utils.bech32ToBytes(t.to)], t.locktime));
  if (chain === 'X') {
    const api = new avm.AVMApi(uri);
    const { utxos } = await api.getUTXOs({ addresses: [`X-${utils.formatBech32(context.hrp, from)}`] });
    const tx = avm.newBaseTx(context, [from], utxos, outputs);
    await addTxSignatures({ unsignedTx: tx, privateKeys: [key] });
    const { txID } = await api.issueSignedTx(tx.getSignedTx());
    await accepted(() => api.getTxStatus({ txID }), txID);
    return txID;
  }
  const api = new pvm.PVMApi(uri);
  const { utxos } = await api.getUTXOs({ addresses: [`P-${utils.formatBech32(context.hrp, from)}`] });
  const feeState = await api.getFeeState();
  const tx = pvm.newBaseTx({ fromAddressesBytes: [from], outputs, utxos, feeState }, context);
  await addTxSignatures({ unsignedTx: tx, privateKeys: [key] });
  const { txID } = await api.issueSignedTx(tx.getSignedTx());
  await accepted(() => api.getTxStatus({ txID }), txID);
  return txID;
}
