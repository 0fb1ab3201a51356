import { cChainNodeEndpoints, probeNodeDialect } from '../src/chains/avax/api.js';
import { probeNodeKind } from '../src/chains/evm/nodeKind.js';
import { JsonRpcClient, RpcTransportError } from '../src/chains/evm/rpc.js';
import { failure } from '../src/contract/failures.js';
import type { PreflightResult } from '../src/manifests.js';
import type { DialectName } from '../src/network/dialect.js';
import { planVersusNode, type Plan } from '../src/plan/index.js';
import type { Hex } from '../src/state/hex.js';
import { asFailure } from './failures.js';

/** The fields of the head block preflight reports. */
interface RpcHead {
  number: Hex;
  timestamp: Hex;
}

/**
 * The family of the avalanchego/luxd node behind the C-Chain URL, from the node itself; a plan
 * naming the other family is refused (its P/X/Q calls would go to services the node lacks).
 */
async function nodeFamily(plan: Plan): Promise<{ dialect?: DialectName; nodeVersion?: string }> {
  const endpoints = cChainNodeEndpoints(plan.chains.C.rpcUrl);
  if (!endpoints) {
    if (plan.chains.C.dialect) {
      throw failure('InvalidPlan', 'plan.chains.C.dialect: applies to an avalanchego/luxd C-Chain URL (…/ext|v1/bc/C/rpc) only');
    }
    return {};
  }
  // Only a run that talks to the node's own APIs needs to know its family; a C-only run does not ask.
  const { P, X, Q, C } = plan.chains;
  if (!P && !X && !Q && !C.dialect && !plan.genesis.primary) return {};
  let probed: Awaited<ReturnType<typeof probeNodeDialect>>;
  try {
    probed = await probeNodeDialect(endpoints);
  } catch (err) {
    if (err instanceof RpcTransportError && err.retryable) throw err;
    throw failure('UnsupportedNode', `plan.chains.C.rpcUrl: cannot tell the node's family (${(err as Error).message})`);
  }
  return { dialect: probed.dialect, nodeVersion: probed.version };
}

/**
 * Before any work: the node answers, is a kind we can export from, and serves the debug API.
 * A node that stays unreachable fails the plan with the field named, not after an export began.
 */
export async function preflightEvm({ plan }: { plan: Plan }): Promise<PreflightResult> {
  const chain = plan.chains.C;
  const rpc = new JsonRpcClient(chain.rpcUrl, { timeoutMs: 10_000 });
  try {
    const detected = await probeNodeKind(rpc);
    const node = chain.node === 'auto' ? detected : chain.node;
    if (node !== 'geth' && node !== 'coreth' && node !== 'anvil') {
      throw failure(
        'UnsupportedNode',
        `plan.chains.C.node: cannot export from a node of kind "${detected}"; supported: geth and coreth (debug_accountRange with preimages), anvil`,
      );
    }
    const clientVersion = await rpc.call<string>('web3_clientVersion', []);
    const sourceChainId = Number(BigInt(await rpc.call<Hex>('eth_chainId', [])));
    const head = await rpc.call<RpcHead>('eth_getBlockByNumber', ['latest', false]);
    if (node === 'geth' || node === 'coreth') {
      // Capability check: a page of one account proves the debug API is enabled.
      await rpc.call('debug_accountRange', ['latest', `0x${'00'.repeat(32)}`, 1, true, true, true]);
    }
    const family = await nodeFamily(plan);
    const headHeight = Number(BigInt(head.number));
    const broken = planVersusNode(plan, { kind: node, headHeight, ...family });
    if (broken) throw failure('InvalidPlan', broken);
    return {
      node,
      clientVersion,
      sourceChainId,
      headHeight,
      headTimestamp: Number(BigInt(head.timestamp)),
      ...family,
    };
  } catch (err) {
    if (err instanceof RpcTransportError) {
      throw failure('NodeUnreachable', `plan.chains.C.rpcUrl: node unreachable (${err.message})`);
    }
    throw asFailure(err, 'preflight');
  }
}
