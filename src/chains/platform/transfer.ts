import * as avalanchejs from '@avalabs/avalanchejs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The part of avalanchejs 5.2.0 used here, typed by hand: its declaration files use extensionless
 * relative imports, which TypeScript's NodeNext resolution cannot follow.
 */
export interface UnsignedTx {
  getSignedTx(): unknown;
}
export interface ChainApi {
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

/**
 * Signs `unsignedTx` with `key`, issues it through `api` (avalanchejs AVMApi / PVMApi) and waits,
 * polling every `pollMs`, until the node has accepted it.
 */
export async function issueAccepted(api: ChainApi, unsignedTx: UnsignedTx, key: Uint8Array, pollMs = 250): Promise<string> {
  await addTxSignatures({ unsignedTx, privateKeys: [key] });
  const { txID } = await api.issueSignedTx(unsignedTx.getSignedTx());
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { status } = await api.getTxStatus({ txID });
    if (status === 'Accepted' || status === 'Committed') return txID;
    if (status === 'Rejected' || status === 'Dropped') throw new Error(`transaction ${txID} ${status}`);
    if (Date.now() > deadline) throw new Error(`transaction ${txID} still ${status} after 60 s`);
    await sleep(pollMs);
  }
}

/** A key on a node: its avalanchejs context, its address bytes and bech32 names, the X and P APIs. */
export interface AvaxSigner {
  context: { avaxAssetID: string; hrp: string };
  key: Uint8Array;
  from: Uint8Array;
  address: { X: string; P: string };
  x: ChainApi;
  p: ChainApi & { getFeeState(): Promise<unknown> };
}

export async function avaxSigner(uri: string, privateKeyHex: string): Promise<AvaxSigner> {
  const context = await Context.getContextFromURI(uri);
  const key = utils.hexToBuffer(privateKeyHex);
  const from = secp256k1.publicKeyBytesToAddress(secp256k1.getPublicKey(key));
  const bech32 = utils.formatBech32(context.hrp, from);
  return { context, key, from, address: { X: `X-${bech32}`, P: `P-${bech32}` }, x: new avm.AVMApi(uri), p: new pvm.PVMApi(uri) };
}

/** Sends from the key's own address on `chain` to each recipient, in one transaction. */
export async function sendAvax(uri: string, chain: 'X' | 'P', privateKeyHex: string, transfers: readonly Transfer[]): Promise<string> {
  const { context, key, from, address, x, p } = await avaxSigner(uri, privateKeyHex);
  const outputs = transfers.map((t) => TransferableOutput.fromNative(context.avaxAssetID, t.amount, [utils.bech32ToBytes(t.to)], t.locktime));
  const { utxos } = await (chain === 'X' ? x : p).getUTXOs({ addresses: [address[chain]] });
  if (chain === 'X') return issueAccepted(x, avm.newBaseTx(context, [from], utxos, outputs), key);
  const feeState = await p.getFeeState();
  return issueAccepted(p, pvm.newBaseTx({ fromAddressesBytes: [from], outputs, utxos, feeState }, context), key);
}
