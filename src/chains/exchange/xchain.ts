import type { BlockHeader, BlockReader } from '../../epoch/blockTimestampSource.js';
import { AvaxService, parseSafeUint, type AvaxEndpoints } from '../avax/api.js';
import { writeJsonl, type JsonlSummary } from '../../state/jsonl.js';
import { exportUtxosWithTotals, totalUtxos, type AssetTotal } from '../avax/utxoTotals.js';
import { streamUtxos, type UtxoQuery } from '../avax/utxoPages.js';
import type { UtxoRecord } from '../avax/utxo.js';

/**
 * X-Chain adapter over the node's exchange service: `avm.*` on avalanchego, `xvm.*` on luxd (the
 * dialect names it), at `<prefix>/bc/X`. UTXO balances of an address set, asset descriptions, and
 * block timestamps. There is no API that lists every address: the address set comes from genesis
 * allocations, reward owners, the chain's own history or an indexer.
 *
 * Shapes seen on avalanchego v1.14.0:
 * - `avm.getAssetDescription {assetID}` (ID or alias such as "AVAX") →
 *   {assetID, name, symbol, denomination} with denomination a decimal string.
 * - `avm.getHeight` → {height}; `avm.getBlockByHeight {height, encoding: json}` →
 *   {block: {parentID, height (number), time (unix seconds, number), merkleRoot, txs, id}};
 *   the linearised genesis block (height 0) carries the C-Chain genesis time 1607144400 on local.
 */

export interface AssetDescription {
  assetID: string;
  name: string;
  symbol: string;
  denomination: number;
}

export interface ExchangeChainOptions {
  timeoutMs?: number;
}

export class ExchangeChain {
  readonly service: AvaxService;
  private readonly ns: string;

  constructor(
    readonly endpoints: AvaxEndpoints,
    options: ExchangeChainOptions = {},
  ) {
    this.service = new AvaxService(endpoints.chain('X'), { timeoutMs: options.timeoutMs ?? 60_000, bigIntegersAsStrings: true });
    this.ns = endpoints.dialect.xChainService;
  }

  private method(name: string): string {
    return `${this.ns}.${name}`;
  }

  async height(): Promise<number> {
    const reply = await this.service.call<{ height?: unknown }>(this.method('getHeight'));
    return parseSafeUint(reply?.height, `${this.method('getHeight')}.height`);
  }

  async assetDescription(assetID: string): Promise<AssetDescription> {
    const m = this.method('getAssetDescription');
    const reply = await this.service.call<{ assetID?: unknown; name?: unknown; symbol?: unknown; denomination?: unknown }>(m, { assetID });
    if (typeof reply?.assetID !== 'string' || typeof reply.name !== 'string' || typeof reply.symbol !== 'string') {
      throw new Error(`${m}(${assetID}): reply lacks assetID, name or symbol`);
    }
    const denomination = parseSafeUint(reply.denomination, `${m}(${assetID}).denomination`);
    if (denomination > 32) throw new Error(`${m}(${assetID}): denomination ${denomination} is beyond 32`);
    return { assetID: reply.assetID, name: reply.name, symbol: reply.symbol, denomination };
  }

  /** Descriptions of the given assets in assetID order, one request each (assets are few). */
  async *assetDescriptions(assetIDs: Iterable<string>): AsyncGenerator<AssetDescription> {
    const descriptions: AssetDescription[] = [];
    for (const id of new Set(assetIDs)) descriptions.push(await this.assetDescription(id));
    descriptions.sort((a, b) => (a.assetID < b.assetID ? -1 : a.assetID > b.assetID ? 1 : 0));
    yield* descriptions;
  }

  async exportAssetDescriptions(path: string, assetIDs: Iterable<string>): Promise<JsonlSummary> {
    return writeJsonl(path, this.assetDescriptions(assetIDs));
  }

  /** Every UTXO of the addresses (`X-…`), each once; with `sourceChain`, the atomic UTXOs exported from it. */
  utxos(addresses: Iterable<string> | AsyncIterable<string>, options: Omit<UtxoQuery, 'addresses'> = {}): AsyncGenerator<UtxoRecord> {
    return streamUtxos(this.service, this.method('getUTXOs'), 'X', { ...options, addresses });
  }

  /**
   * Streams the UTXOs to `path` (JSONL) and totals them per asset. `asOf` (unix seconds) judges
   * locktimes; the X-Chain has no timestamp API, so it defaults to the head block's time.
   */
  async exportUtxos(
    path: string,
    addresses: Iterable<string> | AsyncIterable<string>,
    options: Omit<UtxoQuery, 'addresses'> & { asOf?: number } = {},
  ): Promise<JsonlSummary & { assets: AssetTotal[]; asOf: number }> {
    const asOf = options.asOf ?? (await this.blockReader().head()).timestamp;
    return exportUtxosWithTotals(path, this.utxos(addresses, options), asOf);
  }

  async balances(
    addresses: Iterable<string> | AsyncIterable<string>,
    options: Omit<UtxoQuery, 'addresses'> & { asOf?: number } = {},
  ): Promise<{ assets: AssetTotal[]; asOf: number }> {
    const asOf = options.asOf ?? (await this.blockReader().head()).timestamp;
    return { assets: await totalUtxos(this.utxos(addresses, options), asOf), asOf };
  }

  /** A block as the node describes it in JSON (transactions, outputs, owners). */
  async blockJson(height: number): Promise<unknown> {
    const m = this.method('getBlockByHeight');
    const reply = await this.service.call<{ block?: unknown }>(m, { height: String(height), encoding: 'json' });
    if (!reply?.block) throw new Error(`${m}(${height}): no block`);
    return reply.block;
  }

  /** A transaction in JSON; the staking asset's ID is its CreateAssetTx, holding the genesis owners. */
  async txJson(txID: string): Promise<unknown> {
    const m = this.method('getTx');
    const reply = await this.service.call<{ tx?: unknown }>(m, { txID, encoding: 'json' });
    if (!reply?.tx) throw new Error(`${m}(${txID}): no transaction`);
    return reply.tx;
  }

  /** X-Chain blocks (linearised since Cortina) as an epoch source's BlockReader. */
  blockReader(): BlockReader {
    const m = this.method('getBlockByHeight');
    const block = async (n: number): Promise<BlockHeader> => {
      const reply = await this.service.call<{ block?: { height?: unknown; time?: unknown } }>(m, { height: String(n), encoding: 'json' });
      const b = reply?.block;
      if (!b) throw new Error(`${m}(${n}): no block`);
      return { number: parseSafeUint(b.height, `X block ${n}.height`), timestamp: parseSafeUint(b.time, `X block ${n}.time`) };
    };
    return { head: async () => block(await this.height()), block };
  }
}
