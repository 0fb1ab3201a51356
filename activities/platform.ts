import { CancelledFailure, Context } from '@temporalio/activity';
import { failure } from '../src/contract/failures.js';
import type { ArtifactStore } from '../src/artifacts/store.js';
import { ExchangeChain } from '../src/chains/exchange/xchain.js';
import { cChainNodeEndpoints, type AvaxEndpoints } from '../src/chains/avax/api.js';
import { PlatformChain } from '../src/chains/platform/pchain.js';
import type { DialectName } from '../src/network/dialect.js';
import type { DiscoveredAddresses, PChainExport, QChainExportManifest, XChainExport } from '../src/manifests.js';
import { discoverOwners, TooManyOwnersError } from '../src/chains/avax/discovery.js';
import { discardOwnerLog, type DiscoveryCursor } from '../src/chains/avax/discoveryLog.js';
import { discoverySources } from '../src/chains/avax/discoverySources.js';
import { readJsonLines, writeJsonl } from '../src/state/jsonl.js';
import { QuantumChain, qChainGenesis } from '../src/chains/quantum/qchain.js';
import { writeFileAtomic } from '../src/artifacts/atomicFile.js';
import { RUN_FILES } from '../src/artifacts/layout.js';
import { asFailure } from './failures.js';
import { heartbeating, heartbeatingCursor } from './heartbeat.js';

/** The node behind the plan's C-Chain URL: its P-, X- and Q-Chain share it. */
function nodeEndpoints(rpcUrl: string, field: string, dialect?: DialectName): AvaxEndpoints {
  const endpoints = cChainNodeEndpoints(rpcUrl, dialect);
  if (!endpoints) throw failure('InvalidPlan', `${field}: ${rpcUrl} is not an avalanchego/luxd C-Chain endpoint`);
  return endpoints;
}

/**
 * Runs a head-state read and says which P-Chain height it reflects. UTXOs are served only at the
 * head, so they are the epoch's only if the P-Chain stayed at the pinned height throughout: the
 * height is read before and after, and the result states the height it really reflects (the
 * workflow refuses a mismatch).
 */
async function pinnedRead<T>(
  pchain: PlatformChain,
  pinned: number,
  read: () => Promise<T>,
): Promise<{ result: T; pChainHeight: number; headBefore: number; headAfter: number }> {
  const headBefore = await pchain.height();
  const result = await read();
  const headAfter = await pchain.height();
  const pChainHeight = headBefore === pinned && headAfter === pinned ? pinned : headAfter;
  return { result, pChainHeight, headBefore, headAfter };
}

/**
 * The one way every chain beside the C-Chain is exported (P, X, Q adapters alike): against the node
 * behind the plan's C-Chain URL, inside a P-Chain pin, heartbeating, its failures mapped once. The
 * adapter's read writes its artifacts and returns its manifest; the pin is added to it, and the
 * files it names (`written`) are shared for the steps that read them, on whichever worker.
 */
async function pinnedExport<M extends object>(
  store: ArtifactStore,
  chain: 'P' | 'X' | 'Q',
  input: PinnedInput,
  read: (endpoints: AvaxEndpoints) => Promise<M>,
  written: (manifest: M) => Array<{ path: string; sha256: string }>,
): Promise<M & { pChainHeight: number; headBefore: number; headAfter: number }> {
  try {
    const endpoints = nodeEndpoints(input.rpcUrl, `plan.chains.${chain}`, input.dialect);
    return await heartbeating(async () => {
      const { result, ...pin } = await pinnedRead(new PlatformChain(endpoints), input.pChainHeight, () => read(endpoints));
      // After the pin's second read: uploads never widen the window the P-Chain must stand still in.
      for (const file of written(result)) await store.share(input.runKey, file);
      return { ...pin, ...result };
    });
  } catch (err) {
    throw asFailure(err, `${chain}-Chain export`);
  }
}

interface PinnedInput {
  runKey: string;
  rpcUrl: string;
  pChainHeight: number;
  /** The node family preflight found (absent in runs started before it was probed). */
  dialect?: DialectName;
}

interface AddressSet {
  /** The plan's addresses of the chain. */
  addresses: string[];
  /** With discovery: the owners file, relative to the run's directory. */
  discoveredPath?: string;
}

export function platformActivities(store: ArtifactStore) {
  /**
   * The plan's addresses and the discovered owners, on `chain` (duplicates are dropped downstream),
   * read from the owners file as the export asks for them rather than held as a list of strings.
   */
  const addressesOf = (chain: 'P' | 'X', input: PinnedInput & AddressSet): AsyncIterable<string> =>
    (async function* () {
      yield* input.addresses;
      if (input.discoveredPath === undefined) return;
      for await (const owner of readJsonLines<string>([await store.local(input.runKey, input.discoveredPath)], 'address')) yield `${chain}-${owner}`;
    })();

  return {
    /** Every owner the P- and X-Chain name up to the epoch (plan.chains.P.discoverAddresses). */
    async discoverAddresses(input: PinnedInput & { withX: boolean }): Promise<DiscoveredAddresses> {
      try {
        const endpoints = nodeEndpoints(input.rpcUrl, 'plan.chains.P', input.dialect);
        const pchain = new PlatformChain(endpoints);
        const xchain = input.withX ? new ExchangeChain(endpoints) : undefined;
        return await heartbeatingCursor<DiscoveryCursor, DiscoveredAddresses>(async (resume, checkpoint) => {
          const stakingAssetID = await pchain.stakingAssetID();
          const sources = await discoverySources(endpoints, { pchain, ...(xchain ? { xchain } : {}), stakingAssetID });
          const found = await discoverOwners({
            pchain,
            ...(xchain ? { xchain } : {}),
            pChainHeight: input.pChainHeight,
            stakingAssetID,
            pages: sources.pages,
            logPath: store.path(input.runKey, RUN_FILES.discoveryLog),
            keepLog: true,
            resume,
            checkpoint,
            signal: Context.current().cancellationSignal,
          });
          const written = await writeJsonl(store.path(input.runKey, RUN_FILES.discoveredAddresses), found.owners);
          await discardOwnerLog(store.path(input.runKey, RUN_FILES.discoveryLog));
          // The P and X exports read the owners, on whichever worker they run.
          await store.share(input.runKey, { path: RUN_FILES.discoveredAddresses, sha256: written.sha256 });
          const burned = { P: found.burned.P.toString(), X: found.burned.X.toString() };
          return {
            path: RUN_FILES.discoveredAddresses,
            sha256: written.sha256,
            count: written.records,
            pBlocks: found.pBlocks,
            xBlocks: found.xBlocks,
            burned,
            read: sources.read,
            requests: found.requests,
            ...(found.resumedFrom ? { resumedFrom: found.resumedFrom } : {}),
          };
        });
      } catch (err) {
        // Cancellation (abort, rollback) arrives with a heartbeat; the log stays for nothing else to use.
        if (Context.current().cancellationSignal.aborted) throw new CancelledFailure('address discovery cancelled');
        // More owners than the set may hold is no transient fault: rescanning finds the same.
        if (err instanceof TooManyOwnersError) throw failure('InvalidPlan', `plan.chains.P.discoverAddresses: ${err.message}`);
        throw asFailure(err, 'address discovery');
      }
    },

    /** The P-Chain at the epoch: validator set at the pinned height, UTXOs of the plan's (and discovered) addresses. */
    async exportPChain(input: PinnedInput & AddressSet & { stakeOwners?: boolean }): Promise<PChainExport> {
      return pinnedExport(
        store,
        'P',
        input,
        async (endpoints) => {
          const addresses = addressesOf('P', input);
          const pchain = new PlatformChain(endpoints);
          const validators = await pchain.exportValidators(store.path(input.runKey, RUN_FILES.pValidators), input.pChainHeight, {
            stakeOutputs: input.stakeOwners === true,
          });
          const utxos = await pchain.exportUtxos(store.path(input.runKey, RUN_FILES.pUtxos), addresses);
          const cChainGenesisAlloc = await pchain.cChainGenesisAlloc();
          return {
            stakingAssetID: await pchain.stakingAssetID(),
            currentSupply: (await pchain.currentSupply()).toString(),
            potentialRewards: validators.set.potentialRewards,
            ...(cChainGenesisAlloc !== undefined ? { cChainGenesisAlloc: cChainGenesisAlloc.toString() } : {}),
            validators: { path: RUN_FILES.pValidators, sha256: validators.sha256, count: validators.set.validators, totalWeight: validators.set.totalWeight },
            utxos: { path: RUN_FILES.pUtxos, sha256: utxos.sha256, count: utxos.records, assets: utxos.assets },
          };
        },
        (exported) => [exported.validators, exported.utxos],
      );
    },

    /** The X-Chain at the epoch: UTXOs of the plan's addresses per asset, and those assets' descriptions. */
    async exportXChain(input: PinnedInput & AddressSet): Promise<XChainExport> {
      return pinnedExport(
        store,
        'X',
        input,
        async (endpoints) => {
          const addresses = addressesOf('X', input);
          const xchain = new ExchangeChain(endpoints);
          // The X-Chain has no P-Chain pin of its own: its head is read around the UTXOs as well.
          const before = await xchain.blockReader().head();
          const utxos = await xchain.exportUtxos(store.path(input.runKey, RUN_FILES.xUtxos), addresses, { asOf: before.timestamp });
          const after = await xchain.blockReader().head();
          const assets = await xchain.exportAssetDescriptions(
            store.path(input.runKey, RUN_FILES.xAssets),
            utxos.assets.map((a) => a.assetID),
          );
          return {
            utxos: { path: RUN_FILES.xUtxos, sha256: utxos.sha256, count: utxos.records, assets: utxos.assets },
            assets: { path: RUN_FILES.xAssets, sha256: assets.sha256, count: assets.records },
            xHead: { before, after },
          };
        },
        (exported) => [exported.utxos, exported.assets],
      );
    },

    /** The Q-Chain (luxd) at the epoch: its configuration, which becomes the new qChainGenesis. */
    async exportQChain(input: PinnedInput): Promise<QChainExportManifest> {
      return pinnedExport(
        store,
        'Q',
        input,
        async (endpoints) => {
          const exported = await new QuantumChain(endpoints).export();
          const written = await writeFileAtomic(store.path(input.runKey, RUN_FILES.qConfig), `${JSON.stringify(exported, null, 2)}\n`);
          return { path: RUN_FILES.qConfig, sha256: written.sha256, route: exported.route, service: exported.service, qChainGenesis: qChainGenesis(exported) };
        },
        (exported) => [exported],
      );
    },
  };
}
