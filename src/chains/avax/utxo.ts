import { sha256 } from '@noble/hashes/sha2.js';
import { cb58Encode } from '../../keys/cb58.js';
import { formatAddress, type ChainAlias } from '../../keys/address.js';
import { CodecReader } from './codecReader.js';

/**
 * UTXOs of the P- and X-Chains as the nodes serve them (`platform.getUTXOs`, `avm.getUTXOs`):
 * hex of the codec bytes with a 4-byte SHA-256 checksum (encoding.ts), nothing else (the JSON encoding is refused:
 * "unsupported encoding in method"). Decoded here with the type IDs of avalanchego v1.14.0:
 *
 *   UTXO   = codecVersion u16 ‖ txID [32] ‖ outputIndex u32 ‖ assetID [32] ‖ typeID u32 ‖ output
 *   owners = locktime u64 ‖ threshold u32 ‖ count u32 ‖ count × address [20]
 *
 * Both chains register secp256k1fx at the same IDs (so UTXOs in shared memory read the same on
 * either side): 6 MintOutput (owners), 7 TransferOutput (amount u64 ‖ owners). The X-Chain adds
 * nftfx 10 MintOutput (groupID u32 ‖ owners), 11 TransferOutput (groupID u32 ‖ payload ‖ owners)
 * and propertyfx 15 MintOutput, 16 OwnedOutput (owners). The P-Chain adds 22 stakeable.LockOut
 * (locktime u64 ‖ typeID u32 ‖ output): funds locked until a time but usable for staking.
 */

export type UtxoChain = 'P' | 'X';

export interface OutputOwners {
  /** Unix seconds before which the output cannot be spent (decimal string: it is a u64). */
  locktime: string;
  threshold: number;
  /** Bech32 addresses with the chain alias of the query (`X-local1…`). */
  addresses: string[];
}

export interface UtxoRecord {
  /** CB58 of SHA-256(outputIndex as u64 big-endian ‖ txID), the ID the node pages by. */
  utxoID: string;
  txID: string;
  outputIndex: number;
  assetID: string;
  /** The chain the UTXO was read from, and for atomic UTXOs the chain that exported it. */
  chain: UtxoChain;
  sourceChain?: string;
  typeID: number;
  type: string;
  /** Amount of a fungible output (secp256k1fx.TransferOutput), decimal string. */
  amount?: string;
  /** stakeable.LockOut: the time until which the wrapped amount is locked (except for staking). */
  stakeableLocktime?: string;
  /** nftfx outputs. */
  groupID?: number;
  payload?: string;
  owners: OutputOwners;
}

/** The ID a node pages UTXOs by; the codec bytes do not carry it, so it is derived here. */
export function utxoId(txId: Uint8Array, outputIndex: number): string {
  const buf = new Uint8Array(8 + 32);
  new DataView(buf.buffer).setBigUint64(0, BigInt(outputIndex));
  buf.set(txId, 8);
  return cb58Encode(sha256(buf));
}

/** What an address looks like in the records: chain alias and HRP of the queried addresses. */
export interface AddressFormat {
  chain: ChainAlias;
  hrp: string;
}

export function readOwners(r: CodecReader, format: AddressFormat): OutputOwners {
  const locktime = r.u64().toString();
  const threshold = r.u32();
  const count = r.u32();
  if (count > 1024) throw new Error(`output owners: ${count} addresses is beyond any valid output`);
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) addresses.push(formatAddress(format.chain, format.hrp, r.fixed(20)));
  return { locktime, threshold, addresses };
}

const TYPE_NAMES: Readonly<Record<UtxoChain, Readonly<Record<number, string>>>> = {
  P: { 6: 'secp256k1fx.MintOutput', 7: 'secp256k1fx.TransferOutput', 22: 'stakeable.LockOut' },
  X: {
    6: 'secp256k1fx.MintOutput',
    7: 'secp256k1fx.TransferOutput',
    10: 'nftfx.MintOutput',
    11: 'nftfx.TransferOutput',
    15: 'propertyfx.MintOutput',
    16: 'propertyfx.OwnedOutput',
  },
};

/** Reads the output of type `typeID` into `record` (UTXOs here; a block's outputs in containerDigest.ts). */
export function readOutput(r: CodecReader, chain: UtxoChain, typeID: number, format: AddressFormat, record: UtxoRecord, nested = false): void {
  const name = TYPE_NAMES[chain][typeID];
  if (name === undefined || (nested && typeID !== 7)) {
    // An unknown output type cannot be skipped (its length is unknown); refusing beats miscounting.
    throw new Error(`${chain}-Chain UTXO ${record.utxoID}: output type ${typeID}${nested ? ' inside stakeable.LockOut' : ''} is not known to this decoder`);
  }
  if (!nested) {
    record.typeID = typeID;
    record.type = name;
  }
  switch (typeID) {
    case 6:
    case 15:
    case 16:
      record.owners = readOwners(r, format);
      return;
    case 7:
      record.amount = r.u64().toString();
      record.owners = readOwners(r, format);
      return;
    case 10:
      record.groupID = r.u32();
      record.owners = readOwners(r, format);
      return;
    case 11: {
      record.groupID = r.u32();
      const length = r.u32();
      record.payload = `0x${Buffer.from(r.fixed(length)).toString('hex')}`;
      record.owners = readOwners(r, format);
      return;
    }
    case 22: {
      record.stakeableLocktime = r.u64().toString();
      readOutput(r, chain, r.u32(), format, record, true);
      return;
    }
  }
}

/**
 * The CB58 of the last ID seen: the UTXOs of a page mostly hold one asset, and an owner's UTXOs
 * often come from one transaction, so each is encoded once per run instead of once per UTXO.
 */
class LastCb58 {
  private bytes = new Uint8Array(0);
  private text = '';
  of(id: Uint8Array): string {
    if (!this.holds(id)) {
      this.bytes = id.slice();
      this.text = cb58Encode(id);
    }
    return this.text;
  }
  private holds(id: Uint8Array): boolean {
    if (id.length !== this.bytes.length) return false;
    for (let i = 0; i < id.length; i++) if (id[i] !== this.bytes[i]) return false;
    return true;
  }
}
const lastTxId = new LastCb58();
const lastAssetId = new LastCb58();

/** Decodes one UTXO's codec bytes (after the hex checksum was checked). */
export function decodeUtxo(bytes: Uint8Array, chain: UtxoChain, format: AddressFormat, sourceChain?: string): UtxoRecord {
  const r = new CodecReader(bytes, `${chain}-Chain UTXO`);
  const version = r.u16();
  if (version !== 0) throw new Error(`${chain}-Chain UTXO: codec version ${version}, only 0 is known`);
  const txId = r.fixed(32);
  const outputIndex = r.u32();
  const assetId = r.fixed(32);
  const record: UtxoRecord = {
    utxoID: utxoId(txId, outputIndex),
    txID: lastTxId.of(txId),
    outputIndex,
    assetID: lastAssetId.of(assetId),
    chain,
    ...(sourceChain ? { sourceChain } : {}),
    typeID: -1,
    type: '',
    owners: { locktime: '0', threshold: 0, addresses: [] },
  };
  readOutput(r, chain, r.u32(), format, record, false);
  r.done();
  // A fixed field order keeps the JSONL bytes stable across runs.
  const ordered: UtxoRecord = {
    utxoID: record.utxoID,
    txID: record.txID,
    outputIndex: record.outputIndex,
    assetID: record.assetID,
    chain: record.chain,
    ...(record.sourceChain ? { sourceChain: record.sourceChain } : {}),
    typeID: record.typeID,
    type: record.type,
    ...(record.amount !== undefined ? { amount: record.amount } : {}),
    ...(record.stakeableLocktime !== undefined ? { stakeableLocktime: record.stakeableLocktime } : {}),
    ...(record.groupID !== undefined ? { groupID: record.groupID } : {}),
    ...(record.payload !== undefined ? { payload: record.payload } : {}),
    owners: record.owners,
  };
  return ordered;
}
