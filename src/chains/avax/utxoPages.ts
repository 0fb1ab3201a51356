import { formatAddress, parseAddress } from '../../keys/address.js';
import { parseSafeUint, type AvaxService } from './api.js';
import { decodeCheckedHex } from './encoding.js';
import { decodeUtxo, type AddressFormat, type UtxoChain, type UtxoRecord } from './utxo.js';

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
  for (const [index, address] of addresses.entries()) batchOf.set(address, Math.floor(index / perCall));

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
