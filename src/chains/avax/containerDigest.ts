import { CodecReader } from './codecReader.js';
import type { BlockDigest, OwnerAddress } from './blockDigest.js';
import { readOutput, readOwners, type AddressFormat, type UtxoChain, type UtxoRecord } from './utxo.js';

/**
 * Owners and burned fees of a block read from its bytes, as the node's index serves them
 * (`index.getContainerRange`): the digest `digestOfJson` makes of the block's JSON, without a
 * request per block. Layouts of avalanchego v1.14.0 (linear codec: u16 version, interfaces as a
 * u32 type ID, slices with a u32 count, byte strings u32-, strings u16-prefixed):
 *
 *   proposervm: 0 statelessBlock {parentID, timestamp i64, pChainHeight u64, certificate, block, signature},
 *               1 option {parentID, block}, 2 statelessGraniteBlock {…, block, epoch (24 bytes), signature};
 *               blocks before the proposervm fork are the inner block itself
 *   P blocks:   0/4 Apricot proposal/atomic {parent, height, tx}, 1/2 abort/commit {parent, height},
 *               3 standard {parent, height, txs}; Banff 29 proposal {time, txs, parent, height, tx},
 *               30/31 abort/commit {time, parent, height}, 32 standard {time, parent, height, txs}
 *   X block:    20 standard {parent, height, time, merkleRoot, txs}
 *   tx:         unsigned (type ID + fields) ‖ credentials (type ID ‖ count × 65-byte signature)
 *
 * Only transaction types whose every field is read here are digested; any other type (L1 and
 * subnet-transform transactions on P, operation transactions on X) or any layout surprise throws,
 * and the caller reads that one block as JSON instead — a decoder gap costs a request, never an owner.
 */

class Digest {
  readonly owners: OwnerAddress[] = [];
  burned = 0n;
  constructor(
    readonly chain: UtxoChain,
    readonly format: AddressFormat,
    readonly asset: Uint8Array,
  ) {}
  isStakingAsset(asset: Uint8Array): boolean {
    return asset.length === this.asset.length && asset.every((b, i) => b === this.asset[i]);
  }
  addOwners(addresses: readonly string[]): void {
    for (const a of addresses) this.owners.push(a.slice(2));
  }
}

const bytes = (r: CodecReader): Uint8Array => r.fixed(r.u32());
const string = (r: CodecReader): Uint8Array => r.fixed(r.u16());
function each(r: CodecReader, what: string, read: () => void): void {
  const count = r.u32();
  if (count > 1_000_000) throw new Error(`${what}: ${count} entries is beyond any valid block`);
  for (let i = 0; i < count; i++) read();
}

/** An output of the chain's fx types: its owners, and its amount if it is of the staking asset. */
function output(r: CodecReader, d: Digest, asset: Uint8Array, created: boolean): void {
  const record = { utxoID: 'block output', owners: { addresses: [] } } as unknown as UtxoRecord;
  readOutput(r, d.chain, r.u32(), d.format, record);
  d.addOwners(record.owners.addresses);
  if (created && record.amount !== undefined && d.isStakingAsset(asset)) d.burned -= BigInt(record.amount);
}

const transferableOutput = (r: CodecReader, d: Digest): void => output(r, d, r.fixed(32), true);

function transferableInput(r: CodecReader, d: Digest): void {
  r.fixed(32 + 4); // UTXO ID
  const asset = r.fixed(32);
  let typeID = r.u32();
  if (d.chain === 'P' && typeID === 21) {
    r.u64(); // stakeable.LockIn locktime
    typeID = r.u32();
  }
  if (typeID !== 5) throw new Error(`input type ${typeID} is not known to this decoder`);
  const amount = r.u64(); // secp256k1fx.TransferInput
  each(r, 'signature indices', () => r.u32());
  if (d.isStakingAsset(asset)) d.burned += amount;
}

function baseTx(r: CodecReader, d: Digest): void {
  r.fixed(4 + 32); // networkID, blockchainID
  each(r, 'outputs', () => transferableOutput(r, d));
  each(r, 'inputs', () => transferableInput(r, d));
  bytes(r); // memo
}

function owner(r: CodecReader, d: Digest): void {
  const typeID = r.u32();
  if (typeID !== 11) throw new Error(`owner type ${typeID} is not known to this decoder`);
  d.addOwners(readOwners(r, { chain: d.chain, hrp: d.format.hrp }).addresses);
}

function subnetAuth(r: CodecReader): void {
  const typeID = r.u32();
  if (typeID !== 10) throw new Error(`subnet authorization type ${typeID} is not known to this decoder`);
  each(r, 'signature indices', () => r.u32());
}

/** ImportTx / ExportTx, the same on both chains: base, the other chain's ID, what crosses. */
function atomicTx(r: CodecReader, d: Digest, kind: 'import' | 'export'): void {
  baseTx(r, d);
  r.fixed(32);
  if (kind === 'import') each(r, 'imported inputs', () => transferableInput(r, d));
  else each(r, 'exported outputs', () => transferableOutput(r, d));
}

const VALIDATOR = 20 + 8 + 8 + 8; // nodeID, start, end, weight

function pUnsignedTx(r: CodecReader, d: Digest): void {
  const typeID = r.u32();
  switch (typeID) {
    case 12: // AddValidatorTx
    case 14: // AddDelegatorTx
      baseTx(r, d);
      r.fixed(VALIDATOR);
      each(r, 'stake', () => transferableOutput(r, d));
      owner(r, d);
      if (typeID === 12) r.u32(); // shares
      return;
    case 13: // AddSubnetValidatorTx
      baseTx(r, d);
      r.fixed(VALIDATOR + 32);
      subnetAuth(r);
      return;
    case 15: // CreateChainTx
      baseTx(r, d);
      r.fixed(32);
      string(r);
      r.fixed(32);
      each(r, 'fxIDs', () => r.fixed(32));
      bytes(r);
      subnetAuth(r);
      return;
    case 16: // CreateSubnetTx
      baseTx(r, d);
      owner(r, d);
      return;
    case 17: // ImportTx
      atomicTx(r, d, 'import');
      return;
    case 18: // ExportTx
      atomicTx(r, d, 'export');
      return;
    case 19: // AdvanceTimeTx
      r.u64();
      return;
    case 20: // RewardValidatorTx
      r.fixed(32);
      return;
    case 23: // RemoveSubnetValidatorTx
      baseTx(r, d);
      r.fixed(20 + 32);
      subnetAuth(r);
      return;
    case 25: // AddPermissionlessValidatorTx
    case 26: {
      // AddPermissionlessDelegatorTx
      baseTx(r, d);
      r.fixed(VALIDATOR + 32);
      if (typeID === 25) {
        const signer = r.u32();
        if (signer === 28) r.fixed(48 + 96);
        else if (signer !== 27) throw new Error(`signer type ${signer} is not known to this decoder`);
      }
      each(r, 'stake', () => transferableOutput(r, d));
      owner(r, d);
      if (typeID === 25) {
        owner(r, d);
        r.u32(); // shares
      }
      return;
    }
    case 33: // TransferSubnetOwnershipTx
      baseTx(r, d);
      r.fixed(32);
      subnetAuth(r);
      owner(r, d);
      return;
    case 34: // BaseTx
      baseTx(r, d);
      return;
    default:
      throw new Error(`P-Chain transaction type ${typeID} is not known to this decoder`);
  }
}

function xUnsignedTx(r: CodecReader, d: Digest): void {
  const typeID = r.u32();
  switch (typeID) {
    case 0: // BaseTx
      baseTx(r, d);
      return;
    case 1: // CreateAssetTx: initial states name owners but burn nothing
      baseTx(r, d);
      string(r);
      string(r);
      r.fixed(1);
      each(r, 'initial states', () => {
        r.u32();
        each(r, 'initial outputs', () => output(r, d, new Uint8Array(0), false));
      });
      return;
    case 3: // ImportTx
      atomicTx(r, d, 'import');
      return;
    case 4: // ExportTx
      atomicTx(r, d, 'export');
      return;
    default:
      throw new Error(`X-Chain transaction type ${typeID} is not known to this decoder`);
  }
}

const CREDENTIALS: Readonly<Record<UtxoChain, ReadonlySet<number>>> = { P: new Set([9]), X: new Set([9, 14, 19]) };

function signedTx(r: CodecReader, d: Digest): void {
  if (d.chain === 'P') pUnsignedTx(r, d);
  else xUnsignedTx(r, d);
  each(r, 'credentials', () => {
    const typeID = r.u32();
    if (!CREDENTIALS[d.chain].has(typeID)) throw new Error(`credential type ${typeID} is not known to this decoder`);
    each(r, 'signatures', () => r.fixed(65));
  });
}

/** The inner block of a proposervm container; the container itself before the fork. */
export function innerBlock(container: Uint8Array): Uint8Array {
  try {
    const r = new CodecReader(container, 'proposervm block');
    if (r.u16() !== 0) throw new Error('codec version');
    const typeID = r.u32();
    let inner: Uint8Array;
    if (typeID === 1) {
      r.fixed(32);
      inner = bytes(r);
    } else if (typeID === 0 || typeID === 2) {
      r.fixed(32 + 8 + 8);
      bytes(r); // certificate
      inner = bytes(r);
      if (typeID === 2) r.fixed(24); // epoch
      bytes(r); // signature
    } else throw new Error(`type ${typeID}`);
    r.done();
    return inner;
  } catch {
    return container;
  }
}

function pBlock(r: CodecReader, d: Digest): number {
  const typeID = r.u32();
  const banff = typeID >= 29 && typeID <= 32;
  if (banff) r.u64(); // time
  if (typeID === 29) each(r, 'transactions', () => signedTx(r, d));
  if (typeID > 4 && !banff) throw new Error(`P-Chain block type ${typeID} is not known to this decoder`);
  r.fixed(32);
  const height = r.u64();
  if (typeID === 0 || typeID === 4 || typeID === 29) signedTx(r, d);
  else if (typeID === 3 || typeID === 32) each(r, 'transactions', () => signedTx(r, d));
  return Number(height);
}

function xBlock(r: CodecReader, d: Digest): number {
  const typeID = r.u32();
  if (typeID !== 20) throw new Error(`X-Chain block type ${typeID} is not known to this decoder`);
  r.fixed(32);
  const height = r.u64();
  r.fixed(8 + 32);
  each(r, 'transactions', () => signedTx(r, d));
  return Number(height);
}

/**
 * The digest of one indexed container of `chain`; throws when the block holds anything this
 * decoder does not read whole (the caller then reads the block as JSON).
 */
export function digestOfContainer(container: Uint8Array, chain: UtxoChain, hrp: string, stakingAsset: Uint8Array): BlockDigest {
  const d = new Digest(chain, { chain, hrp }, stakingAsset);
  const r = new CodecReader(innerBlock(container), `${chain}-Chain block`);
  const version = r.u16();
  if (version !== 0) throw new Error(`${chain}-Chain block: codec version ${version}, only 0 is known`);
  const height = chain === 'P' ? pBlock(r, d) : xBlock(r, d);
  r.done();
  return { height, owners: d.owners, burned: d.burned };
}
