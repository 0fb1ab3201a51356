import { formatAddress, parseAddress, shortIdFromAddress } from '../../keys/address.js';
import { parseSafeUint, type AvaxService } from './api.js';
import { decodeCheckedHex } from './encoding.js';
import { ShortIdIndex } from './shortIdIndex.js';
import { decodeUtxo, type AddressFormat, type UtxoChain, type UtxoRecord } from './utxo.js';

/** Node limits (avalanchego v1.14.0 api/common: maxGetUTXOsAddrs and maxPageSize). */
export const MAX_UTXO_ADDRESSES = 1024;
export const MAX_UTXO_PAGE = 1024;

export interface UtxoQuery {
  /** Addresses of one chain and HRP (`P-local1…`); duplicates are dropped. Read once, before the first request. */
  addresses: Iterable<string> | AsyncIterable<string>;
  /** Atomic UTXOs exported from this chain (ID or alias) and not yet imported. */
  sourceChain?: string;
  /** UTXOs per request, ≤ 1024. */
  pageSize?: number;
  /** Addresses per request, ≤ 1024. */
  addressesPerCall?: number;
  /** Address batches whose first page is asked for ahead of the one being read (default UTXO_READ_AHEAD). */
  readAhead?: number;
}

/**
 * Requests in flight ahead of the page being decoded. Address batches are independent, so the
 * first pages of the next batches are asked for while one is decoded and written, and a batch's
 * next page as soon as its cursor is known: the node works while this side does, and a node
 * across a network costs one round trip per `readAhead` pages instead of one per page. At most
 * `readAhead` + 1 replies are held.
 */
export const UTXO_READ_AHEAD = 4;

interface GetUtxosReply {
  numFetched?: unknown;
  utxos?: unknown;
  endIndex?: { address?: unknown; utxo?: unknown };
}

type Cursor = { address: string; utxo: string };

/** A request whose failure is reported when it is awaited, not as an unhandled rejection while it waits its turn. */
function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * Every UTXO owned by any of the addresses, each once, paging with the node's `endIndex` cursor.
 * Memory holds the addresses as 20-byte short IDs (shortIdIndex.ts), the bech32 of the batches in
 * flight, at most `readAhead` + 1 replies, and per address batch the IDs of multi-owner UTXOs (the
 * only ones the node can return twice: once per owner, across pages or batches); single-owner
 * UTXOs stream straight through. The records come in the same order whatever the read-ahead: batch by batch,
 * page by page.
 */
export async function* streamUtxos(service: AvaxService, method: string, chain: UtxoChain, query: UtxoQuery): AsyncGenerator<UtxoRecord> {
  const pageSize = query.pageSize ?? MAX_UTXO_PAGE;
  const perCall = query.addressesPerCall ?? MAX_UTXO_ADDRESSES;
  const readAhead = query.readAhead ?? UTXO_READ_AHEAD;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_UTXO_PAGE) throw new RangeError(`pageSize must be 1..${MAX_UTXO_PAGE}`);
  if (!Number.isInteger(perCall) || perCall < 1 || perCall > MAX_UTXO_ADDRESSES) {
    throw new RangeError(`addressesPerCall must be 1..${MAX_UTXO_ADDRESSES}`);
  }
  if (!Number.isInteger(readAhead) || readAhead < 1 || readAhead > 64) throw new RangeError('readAhead must be 1..64');
  let format: AddressFormat | undefined;
  // Each address once, in the order of its first occurrence, which decides its batch.
  const index = new ShortIdIndex();
  let i = 0;
  for await (const address of query.addresses) {
    const parsed = parseAddress(address, `addresses[${i}]`);
    if (parsed.chain !== chain) throw new Error(`addresses[${i}]: ${address} is not a ${chain}-Chain address`);
    if (format && parsed.hrp !== format.hrp) throw new Error(`addresses[${i}]: HRP ${parsed.hrp} differs from ${format.hrp}`);
    format ??= { chain, hrp: parsed.hrp };
    index.add(parsed.shortId);
    i += 1;
  }
  if (index.size === 0) return;
  const hrp = format!.hrp;
  // Batch index of an owner the decoder printed, so a UTXO shared by owners in different batches is kept only in the first.
  const batchOf = (owner: string): number => {
    const at = index.positionOf(shortIdFromAddress(owner));
    return at === undefined ? Infinity : Math.floor(at / perCall);
  };
  const batches = Math.ceil(index.size / perCall);
  // Canonical form (what the decoder prints for owners), written out one batch at a time.
  const slice = (batch: number): string[] => {
    const addresses: string[] = [];
    for (let at = batch * perCall; at < Math.min(index.size, (batch + 1) * perCall); at++) addresses.push(formatAddress(chain, hrp, index.at(at)));
    return addresses;
  };
  const request = (addresses: string[], startIndex: Cursor | undefined): Promise<GetUtxosReply> =>
    quiet(
      service.call<GetUtxosReply>(method, {
        addresses,
        limit: pageSize,
        encoding: 'hex',
        ...(startIndex ? { startIndex } : {}),
        ...(query.sourceChain ? { sourceChain: query.sourceChain } : {}),
      }),
    );

  // First pages of the batches after the one being read, in batch order.
  const ahead: Array<{ addresses: string[]; first: Promise<GetUtxosReply> }> = [];
  let started = 0;
  for (let batch = 0; batch < batches; batch++) {
    while (started < batches && ahead.length < readAhead) {
      const addresses = slice(started++);
      ahead.push({ addresses, first: request(addresses, undefined) });
    }
    const { addresses, first } = ahead.shift()!;
    const seenShared = new Set<string>();
    let startIndex: Cursor | undefined;
    let pending: Promise<GetUtxosReply> | undefined = first;
    while (pending) {
      const reply: GetUtxosReply = await pending;
      const fetched = parseSafeUint(reply?.numFetched, `${method}.numFetched`);
      if (!Array.isArray(reply.utxos) || reply.utxos.length !== fetched) {
        throw new Error(`${method}: numFetched ${fetched} but ${Array.isArray(reply.utxos) ? reply.utxos.length : 'no'} utxos`);
      }
      // The next page is asked for before this one is decoded; a reply without a usable cursor
      // fails when that page is due, after this page's records, as a sequential read would.
      pending = undefined;
      if (fetched >= pageSize) {
        const end = reply.endIndex;
        if (typeof end?.address !== 'string' || typeof end.utxo !== 'string') {
          pending = quiet(Promise.reject(new Error(`${method}: full page without endIndex`)));
        } else if (startIndex && startIndex.address === end.address && startIndex.utxo === end.utxo) {
          pending = quiet(Promise.reject(new Error(`${method}: endIndex did not advance past ${end.address}/${end.utxo}`)));
        } else {
          startIndex = { address: end.address, utxo: end.utxo };
          pending = request(addresses, startIndex);
        }
      }
      for (const [i, hex] of (reply.utxos as unknown[]).entries()) {
        const record = decodeUtxo(decodeCheckedHex(hex as string, `${method}.utxos[${i}]`), chain, format!, query.sourceChain);
        const owners = record.owners.addresses;
        if (owners.length > 1) {
          const first = Math.min(...owners.map(batchOf));
          if (first !== batch || seenShared.has(record.utxoID)) continue;
          seenShared.add(record.utxoID);
        }
        yield record;
      }
    }
  }
}
