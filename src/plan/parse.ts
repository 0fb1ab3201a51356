import { assertChainIdAllowed, networkMode } from '../network/chainIds.js';
import { hrpForNetwork } from '../network/hrp.js';
import { cChainNodeOf } from '../chains/avax/cChainUrl.js';
import { PlanError, planSchema, type Plan } from './schema.js';
import { startTimeSeconds } from './timing.js';

/** mainnet, fuji, local: avalanchego v1.14.0 refuses `--genesis-file` on these IDs. */
const AVALANCHEGO_STANDARD_NETWORKS = new Set([1, 5, 12345]);

function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return ['plan', ...path.map(String)].join('.');
}

/** Validates a plan; errors name every offending field (`plan.chains.C.rpcUrl: ...`). */
export function parsePlan(input: unknown, nowSeconds: number): Plan {
  const parsed = planSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
      return { field: fieldPath(issue.path), message: `${issue.message}${keys}` };
    });
    throw new PlanError(issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues);
  }
  const plan = parsed.data;
  if (plan.brand !== undefined && plan.env !== undefined) {
    try {
      assertChainIdAllowed({ brand: plan.brand, env: plan.env, chainId: plan.genesis.chainId });
    } catch (err) {
      throw new PlanError((err as Error).message, [{ field: 'plan.genesis.chainId', message: (err as Error).message }]);
    }
  }
  for (const chain of ['P', 'X', 'Q'] as const) {
    if (!plan.chains[chain]) continue;
    const field = `plan.chains.${chain}`;
    if ('height' in plan.target) {
      const message = `needs an epoch target: a ${chain}-Chain export is pinned to a sealed epoch, not to a block height`;
      throw new PlanError(`${field}: ${message}`, [{ field, message }]);
    }
    if (plan.epoch.source !== 'proposervm') {
      const message = `needs plan.epoch.source 'proposervm': the ${chain}-Chain export is pinned to the epoch's P-Chain height, which only the node reports`;
      throw new PlanError(`${field}: ${message}`, [{ field, message }]);
    }
  }
  const primary = plan.genesis.primary;
  if (plan.chains.Q && primary && primary.dialect !== 'luxd') {
    const message = `a Q-Chain exists on luxd only; plan.genesis.primary.dialect is ${primary.dialect}`;
    throw new PlanError(`plan.chains.Q: ${message}`, [{ field: 'plan.chains.Q', message }]);
  }
  if (primary) {
    const refuse = (field: string, message: string): never => {
      throw new PlanError(`${field}: ${message}`, [{ field, message }]);
    };
    // Without both UTXO chains, or without any owner to read, the genesis would silently drop balances.
    if (!plan.chains.P) refuse('plan.genesis.primary', "needs plan.chains.P: the validators' stake at the epoch is what the new initial stakers stake");
    if (!plan.chains.X) refuse('plan.genesis.primary', 'needs plan.chains.X: X-Chain balances are part of the supply a primary genesis carries');
    if (plan.chains.P!.addresses.length === 0 && !plan.chains.P!.discoverAddresses) {
      refuse('plan.chains.P', 'lists no address and does not discover them (discoverAddresses): the genesis would carry no balance');
    }
    if (primary.dialect === 'avalanchego' && AVALANCHEGO_STANDARD_NETWORKS.has(primary.networkId)) {
      refuse('plan.genesis.primary.networkId', `${primary.networkId} is a standard avalanchego network, on which avalanchego refuses a custom genesis file; choose another ID`);
    }
    if (plan.launch?.operator.kind === 'local') {
      const message = "the local operator launches geth devnets; a primary network's validators are migrated with the manual operator";
      throw new PlanError(`plan.launch.operator: ${message}`, [{ field: 'plan.launch.operator', message }]);
    }
    if (plan.launch?.operator.kind === 'agents' && plan.launch.validators.length > 0) {
      const message = "the agents operator ratifies with the genesis stakers' own keys and weights; list no launch validators";
      throw new PlanError(`plan.launch.validators: ${message}`, [{ field: 'plan.launch.validators', message }]);
    }
    // Who ratifies the genesis must be who it makes validators: each by its BLS key.
    const stakerKeys = new Set(primary.validators.map((v) => v.blsPublicKey.toLowerCase()));
    plan.launch?.validators.forEach((v, i) => {
      if (stakerKeys.has(v.blsPublicKey.toLowerCase())) return;
      const field = `plan.launch.validators.${i}`;
      const message = `${v.nodeId} is not an initial staker of plan.genesis.primary (its BLS key is not among the stakers')`;
      throw new PlanError(`${field}: ${message}`, [{ field, message }]);
    });
    const hrp = hrpForNetwork(primary.networkId, primary.dialect);
    primary.validators.forEach((v, i) => {
      const written = v.rewardAddress.slice(2, v.rewardAddress.lastIndexOf('1'));
      if (written !== hrp) {
        const field = `plan.genesis.primary.validators.${i}.rewardAddress`;
        const message = `has HRP "${written}"; network ${primary.networkId} on ${primary.dialect} uses "${hrp}"`;
        throw new PlanError(`${field}: ${message}`, [{ field, message }]);
      }
    });
    try {
      networkMode({ networkId: primary.networkId, validators: primary.validators.length });
    } catch (err) {
      const message = (err as Error).message;
      throw new PlanError(`plan.genesis.primary: ${message}`, [{ field: 'plan.genesis.primary', message }]);
    }
  }
  if (plan.launch?.operator.kind === 'agents' && !primary) {
    const message = 'migrates the validators of a primary network: it needs plan.genesis.primary';
    throw new PlanError(`plan.launch.operator: ${message}`, [{ field: 'plan.launch.operator', message }]);
  }
  if (plan.epoch.source === 'proposervm' && !cChainNodeOf(plan.chains.C.rpcUrl)) {
    const message = 'proposervm epochs need an avalanchego/luxd C-Chain endpoint (…/ext/bc/C/rpc or …/v1/bc/C/rpc) in plan.chains.C.rpcUrl';
    throw new PlanError(`plan.epoch.source: ${message}`, [{ field: 'plan.epoch.source', message }]);
  }
  if (typeof plan.genesis.startTime === 'object') return plan; // relative: checked once the freeze is known
  const start = startTimeSeconds(plan, 0);
  if (start <= nowSeconds) {
    throw new PlanError(`plan.genesis.startTime: ${new Date(start * 1000).toISOString()} is in the past`, [
      { field: 'plan.genesis.startTime', message: 'is in the past' },
    ]);
  }
  return plan;
}

