import { sha256 } from '@noble/hashes/sha2.js';
import { cb58Decode, cb58Encode } from '../../keys/cb58.js';
import { formatAddress, parseAddress, type ChainAlias } from '../../keys/address.js';
import { parseSafeUint, writeJsonl, type AvaxService, type JsonlSummary } from './api.js';

/**
 * UTXOs of the P- and X-Chains as the nodes serve them (`platform.getUTXOs`, `avm.getUTXOs`):
 * hex of the codec bytes with a 4-byte SHA-256 checksum, nothing else (the JSON encoding is refused:
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

const CHECKSUM_LENGTH = 4;

/** Avalanche's `hex` encoding: 0x + hex of the bytes followed by the last 4 bytes of their SHA-256. */
export function decodeCheckedHex(text: string, what = 'value'): Uint8Array {
  if (typeof text !== 'string' || !/^0x([0-9a-fA-F]{2})*$/.test(text)) {
    throw new Error(`${what}: expected 0x-hex, got ${JSON.stringify(text)?.slice(0, 80)}`);
  }
  const raw = Buffer.from(text.slice(2), 'hex');
  if (raw.length < CHECKSUM_LENGTH) throw new Error(`${what}: too short for its checksum`);
  const body = raw.subarray(0, raw.length - CHECKSUM_LENGTH);
  const expected = sha256(body).subarray(-CHECKSUM_LENGTH);
  if (!expected.every((b, i) => b === raw[body.length + i])) throw new Error(`${what}: hex checksum mismatch`);
  return new Uint8Array(body);
}

export function utxoId(txId: Uint8Array, outputIndex: number): string {
  const buf = new Uint8Array(8 + 32);
  new DataView(buf.buffer).setBigUint64(0, BigInt(outputIndex));
  buf.set(txId, 8);
  return cb58Encode(sha256(buf));
}

class Reader {
  private offset = 0;
  private readonly view: DataView;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number): void {
    if (this.offset + n > this.bytes.length) {
      throw new Error(`${this.what}: truncated at byte ${this.offset} (need ${n} more of ${this.bytes.length})`);
    }
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.offset);
    this.offset += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset);
    this.offset += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.offset);
    this.offset += 8;
    return v;
  }
  fixed(n: number): Uint8Array {
    this.need(n);
    const v = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }
  done(): void {
    if (this.offset !== this.bytes.length) {
      throw new Error(`${this.what}: ${this.bytes.length - this.offset} unexpected trailing bytes`);
    }
  }
}

/** What an address looks like in the records: chain alias and HRP of the queried addresses. */
export interface AddressFormat {
  chain: ChainAlias;
  hrp: string;
}

function readOwners(r: Reader, format: AddressFormat): OutputOwners {
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

function readOutput(r: Reader, chain: UtxoChain, typeID: number, format: AddressFormat, record: UtxoRecord, nested: boolean): void {
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

/** Decodes one UTXO's codec bytes (after the hex checksum was checked). */
export function decodeUtxo(bytes: Uint8Array, chain: UtxoChain, format: AddressFormat, sourceChain?: string): UtxoRecord {
  const r = new Reader(bytes, `${chain}-Chain UTXO`);
  const version = r.u16();
  if (version !== 0) throw new Error(`${chain}-Chain UTXO: codec version ${version}, only 0 is known`);
  const txId = r.fixed(32);
  const outputIndex = r.u32();
  const assetId = r.fixed(32);
  const record: UtxoRecord = {
    utxoID: utxoId(txId, outputIndex),
    txID: cb58Encode(txId),
    outputIndex,
    assetID: cb58Encode(assetId),
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

/** Node limits (avalanchego v1.14.0 api/common: maxGetUTXOsAddrs and maxPageSize). */
export const MAX_UTXO_ADDRESSES = 1024;
export const MAX_UTXO_PAGE = 1024;

export interface UtxoQuery {
  /** Addresses of one chain and HRP (`P-local1…`); duplicates are dropped. */
  addresses: Iterable<string>;
  /** Atomic UTXOs exported from this chain (ID or alias) and not yet imported. */
  sourceChain?: string;
  /** UTXOs per request, ≤ 1024. */
  pageSize?: number;
  /** Addresses per request, ≤ 1024. */
  addressesPerCall?: number;
}

interface GetUtxosReply {
  numFetched?: unknown;
  utxos?: unknown;
  endIndex?: { address?: unknown; utxo?: unknown };
}

/**
 * Every UTXO owned by any of the addresses, each once, paging with the node's `endIndex` cursor.
 * Memory holds the address list and, per address batch, the IDs of multi-owner UTXOs (the only
 * ones the node can return twice: once per owner, across pages or batches); single-owner UTXOs
 * stream straight through.
 */
export async function* streamUtxos(service: AvaxService, method: string, chain: UtxoChain, query: UtxoQuery): AsyncGenerator<UtxoRecord> {
  const pageSize = query.pageSize ?? MAX_UTXO_PAGE;
  const perCall = query.addressesPerCall ?? MAX_UTXO_ADDRESSES;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_UTXO_PAGE) throw new RangeError(`pageSize must be 1..${MAX_UTXO_PAGE}`);
  if (!Number.isInteger(perCall) || perCall < 1 || perCall > MAX_UTXO_ADDRESSES) {
    throw new RangeError(`addressesPerCall must be 1..${MAX_UTXO_ADDRESSES}`);
  }
  let format: AddressFormat | undefined;
  // Canonical form (what the decoder prints for owners), so owners can be looked up in the query.
  const canonical: string[] = [];
  let i = 0;
  for (const address of query.addresses) {
    const parsed = parseAddress(address, `addresses[${i}]`);
    if (parsed.chain !== chain) throw new Error(`addresses[${i}]: ${address} is not a ${chain}-Chain address`);
    if (format && parsed.hrp !== format.hrp) throw new Error(`addresses[${i}]: HRP ${parsed.hrp} differs from ${format.hrp}`);
    format ??= { chain, hrp: parsed.hrp };
    canonical.push(formatAddress(chain, parsed.hrp, parsed.shortId));
    i += 1;
  }
  const addresses = [...new Set(canonical)];
  if (addresses.length === 0) return;
  // Batch index per address, so a UTXO shared by owners in different batches is kept only in the first.
  const batchOf = new Map<string, number>();
  addresses.forEach((address, index) => batchOf.set(address, Math.floor(index / perCall)));

  for (let batch = 0; batch * perCall < addresses.length; batch++) {
    const slice = addresses.slice(batch * perCall, (batch + 1) * perCall);
    const seenShared = new Set<string>();
    let startIndex: { address: string; utxo: string } | undefined;
    for (;;) {
      const reply = await service.call<GetUtxosReply>(method, {
        addresses: slice,
        limit: pageSize,
        encoding: 'hex',
        ...(startIndex ? { startIndex } : {}),
        ...(query.sourceChain ? { sourceChain: query.sourceChain } : {}),
      });
      const fetched = parseSafeUint(reply?.numFetched, `${method}.numFetched`);
      if (!Array.isArray(reply.utxos) || reply.utxos.length !== fetched) {
        throw new Error(`${method}: numFetched ${fetched} but ${Array.isArray(reply.utxos) ? reply.utxos.length : 'no'} utxos`);
      }
      for (const [i, hex] of (reply.utxos as unknown[]).entries()) {
        const record = decodeUtxo(decodeCheckedHex(hex as string, `${method}.utxos[${i}]`), chain, format!, query.sourceChain);
        const owners = record.owners.addresses;
        if (owners.length > 1) {
          const first = Math.min(...owners.map((a) => batchOf.get(a) ?? Infinity));
          if (first !== batch || seenShared.has(record.utxoID)) continue;
          seenShared.add(record.utxoID);
        }
        yield record;
      }
      if (fetched < pageSize) break;
      const end = reply.endIndex;
      if (typeof end?.address !== 'string' || typeof end.utxo !== 'string') throw new Error(`${method}: full page without endIndex`);
      if (startIndex && startIndex.address === end.address && startIndex.utxo === end.utxo) {
        throw new Error(`${method}: endIndex did not advance past ${end.address}/${end.utxo}`);
      }
      startIndex = { address: end.address, utxo: end.utxo };
    }
  }
}

export interface AssetTotal {
  assetID: string;
  /** Sum of fungible amounts, decimal string. */
  amount: string;
  /** Part of `amount` whose own locktime or stakeable locktime is after `asOf`. */
  locked: string;
  /** Part of `amount` inside stakeable.LockOut outputs (whatever the time). */
  stakeableLocked: string;
  utxos: number;
  /** UTXOs without an amount (mint rights, NFTs, properties). */
  nonFungibleUtxos: number;
}

/**
 * Per-asset totals over a UTXO stream, in memory proportional to the number of assets. `asOf`
 * (unix seconds) decides which amounts count as locked; give the chain's own timestamp.
 */
export class UtxoTotals {
  private readonly byAsset = new Map<string, { amount: bigint; locked: bigint; stakeable: bigint; utxos: number; nonFungible: number }>();
  constructor(private readonly asOf: bigint) {}

  add(record: UtxoRecord): void {
    let t = this.byAsset.get(record.assetID);
    if (!t) {
      t = { amount: 0n, locked: 0n, stakeable: 0n, utxos: 0, nonFungible: 0 };
      this.byAsset.set(record.assetID, t);
    }
    t.utxos += 1;
    if (record.amount === undefined) {
      t.nonFungible += 1;
      return;
    }
    const amount = BigInt(record.amount);
    t.amount += amount;
    if (record.stakeableLocktime !== undefined) t.stakeable += amount;
    const lockedUntil = [record.owners.locktime, record.stakeableLocktime ?? '0'].map(BigInt).reduce((a, b) => (a > b ? a : b));
    if (lockedUntil > this.asOf) t.locked += amount;
  }

  totals(): AssetTotal[] {
    return [...this.byAsset]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([assetID, t]) => ({
        assetID,
        amount: t.amount.toString(),
        locked: t.locked.toString(),
        stakeableLocked: t.stakeable.toString(),
        utxos: t.utxos,
        nonFungibleUtxos: t.nonFungible,
      }));
  }
}

/** CB58 asset/tx/chain ID → 32 bytes, with its checksum checked. */
export function decodeId(id: string, field = 'id'): Uint8Array {
  const bytes = cb58Decode(id, field);
  if (bytes.length !== 32) throw new Error(`${field}: an ID is 32 bytes, got ${bytes.length}`);
  return bytes;
}

/**
 * Streams UTXOs into a JSONL artifact while totalling them per asset as of `asOf`, so a chain's
 * balances and its export come from the same single read of the node.
 */
export async function exportUtxosWithTotals(
  path: string,
  utxos: AsyncIterable<UtxoRecord>,
  asOf: number,
): Promise<JsonlSummary & { assets: AssetTotal[]; asOf: number }> {
  const totals = new UtxoTotals(BigInt(asOf));
  const written = await writeJsonl(path, (async function* () {
    for await (const u of utxos) {
      totals.add(u);
      yield u;
    }
  })());
  return { ...written, assets: totals.totals(), asOf };
}
