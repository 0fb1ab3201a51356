import { z } from 'zod';
import { ENVIRONMENTS } from '../network/chainIds.js';
import { stakeWeightSchema } from './stake.js';

/**
 * The regenesis plan: the single JSON input of a run (CLI file, Temporal UI form, schedule action).
 * It is pure data and carries no secrets; everything here is validated before any work starts.
 * This module is imported by workflow code, so it must stay deterministic and free of I/O.
 */

const MAX_PARTITIONS = 256;
/** Addresses per P-Chain export: getUTXOs takes 1,024 per call; more is paging, not a plan. */
const MAX_P_ADDRESSES = 10_000;
export const THIRTY_DAYS_SECONDS = 30 * 24 * 3600;

const rpcUrl = z
  .string()
  .url('must be an http(s) URL')
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
  .refine((u) => {
    try {
      const parsed = new URL(u);
      return parsed.username === '' && parsed.password === '';
    } catch {
      return true; // the url() check above reports the parse failure
    }
  }, 'must not embed credentials (user:password@); supply them through the worker environment');

export const evmChainSchema = z.strictObject({
  /** JSON-RPC endpoint of the source node (archive state + preimages for geth-family nodes). */
  rpcUrl,
  /**
   * For an avalanchego/luxd C-Chain URL: the node family (API names, address HRPs). Probed at
   * preflight (`info.getNodeVersion`) and refused when the node says otherwise; when left out,
   * the probed family is used and recorded.
   */
  dialect: z.enum(['avalanchego', 'luxd']).optional(),
  /** Node implementation; `auto` probes web3_clientVersion and refuses what it does not know. */
  node: z.enum(['auto', 'geth', 'coreth', 'anvil']).default('auto'),
  /** Key-range partitions of the export, each its own activity with a heartbeated cursor. */
  partitions: z.number().int().min(1).max(MAX_PARTITIONS).default(4),
  /** debug_accountRange page size (geth caps it at 256). */
  pageSize: z.number().int().min(1).max(256).default(256),
  /**
   * How long an export waits out an unreachable or failing source node (connection refused or
   * dropped, HTTP 5xx, truncated replies) before the run rolls back, naming the node.
   */
  maxOutageSeconds: z.number().int().min(1).max(86_400).default(600),
});

const epochTarget = z.strictObject({
  /** A sealed epoch number, or `current`: the epoch in progress when the run starts. */
  epoch: z.union([z.number().int().min(0), z.literal('current')]),
});
const heightTarget = z.strictObject({
  /** An explicit freeze height (no epoch wait). */
  height: z.number().int().min(0),
});

const identity = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._@+-]*$/, 'letters, digits, space, ".", "_", "@", "+" and "-" only');

/** A validator of the new network as public key material only (never a private key). */
export const validatorKeysSchema = z.strictObject({
  nodeId: z.string().regex(/^NodeID-[1-9A-HJ-NP-Za-km-z]+$/, 'must be a NodeID-<cb58> identifier'),
  /** 48-byte compressed BLS12-381 G1 public key, 0x hex. */
  blsPublicKey: z.string().regex(/^0x[0-9a-fA-F]{96}$/, 'must be a 48-byte 0x-hex BLS public key'),
  /** 96-byte proof of possession, 0x hex. */
  proofOfPossession: z.string().regex(/^0x[0-9a-fA-F]{192}$/, 'must be a 96-byte 0x-hex proof of possession'),
  /** nAVAX/wei as a decimal string (a safe integer number is still taken); parsed to a canonical string. */
  weight: stakeWeightSchema,
});

/** An initial staker of the new primary network: a certificate and BLS keys, all public. */
const genesisStakerSchema = z
  .strictObject({
    /** Required unless `certificate` is given; the two must agree. */
    nodeId: z
      .string()
      .regex(/^NodeID-[1-9A-HJ-NP-Za-km-z]+$/, 'must be a NodeID-<cb58> identifier')
      .optional(),
    /** staker.crt as PEM: the NodeID is derived from it. Never a private key. */
    certificate: z
      .string()
      .max(16_384)
      .refine(
        (pem) => !/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/i.test(pem),
        'is a private key; a certificate (staker.crt) is expected here, and private keys never go into a plan',
      )
      .refine((pem) => /-----BEGIN CERTIFICATE-----/.test(pem), 'must be a PEM certificate (staker.crt)')
      .optional(),
    blsPublicKey: z.string().regex(/^0x[0-9a-fA-F]{96}$/, 'must be a 48-byte 0x-hex BLS public key'),
    proofOfPossession: z.string().regex(/^0x[0-9a-fA-F]{192}$/, 'must be a 96-byte 0x-hex proof of possession'),
    /** X-… or P-… address of the new network that receives validation rewards. */
    rewardAddress: z.string().regex(/^[XP]-[a-z]{1,16}1[02-9ac-hj-np-z]{6,90}$/, 'a bech32 X-/P- address of the new network'),
    /** Parts per million (1,000,000 = 100 %). */
    delegationFee: z.number().int().min(0).max(1_000_000).default(20_000),
  })
  .refine((s) => s.nodeId !== undefined || s.certificate !== undefined, { message: 'needs a nodeId or a certificate' });

/**
 * The new network's primary genesis (avalanchego/luxd --genesis-file), built from the P/X/C
 * exports: balances and stake carried to the same owners, the stakers below as its validators.
 */
const primaryGenesisSchema = z.strictObject({
  /** The new network's ID (LP-018: with the validator count it gives the network mode). */
  networkId: z.number().int().min(1).max(0xffff_ffff),
  /** Node family the genesis is written for: field names, HRPs and the PoP rule differ. */
  dialect: z.enum(['avalanchego', 'luxd']).default('avalanchego'),
  initialStakeDurationSeconds: z
    .number()
    .int()
    .positive()
    .max(10 * 365 * 24 * 3600)
    .default(365 * 24 * 3600),
  initialStakeDurationOffsetSeconds: z.number().int().min(0).default(5400),
  message: z.string().max(1024).default(''),
  /**
   * P-Chain balances of stake owners (the change of their staking transactions, typically): the
   * genesis would stake them too. `refuse` stops the run naming them; `move-to-x` puts the unlocked
   * ones in the owner's X-Chain allocation, spendable, and the report says how much moved.
   */
  stakeOwnerBalances: z.enum(['refuse', 'move-to-x']).default('refuse'),
  /** In order: staker i's initial stake ends i × offset earlier (upstream does not sort them). */
  validators: z.array(genesisStakerSchema).min(1).max(1000),
});

const localOperator = z.strictObject({
  kind: z.literal('local'),
  /** A devnet under the worker's REGENESIS_DEVNET_ROOT (a name, never a path). */
  network: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a devnet name, not a path'),
});
const manualOperator = z.strictObject({
  kind: z.literal('manual'),
  /** How long each manual step may wait for an operator's confirmation. */
  stepTimeoutSeconds: z
    .number()
    .int()
    .positive()
    .default(24 * 3600),
});

/**
 * Validator agents (`regenesis agent` on each validator host): every genesis staker's agent polls
 * the task queue named from its NodeID. Signatures, weights and the migration come from the genesis.
 */
const agentsOperator = z.strictObject({
  kind: z.literal('agents'),
  /** How long an agent may leave a request (identify, sign, stage, halt) unanswered; the error names it. */
  agentTimeoutSeconds: z
    .number()
    .int()
    .positive()
    .max(24 * 3600)
    .default(300),
  /** How long the new network has, once its nodes are started, to bootstrap and connect. */
  healthTimeoutSeconds: z
    .number()
    .int()
    .positive()
    .max(24 * 3600)
    .default(600),
  /**
   * Before the commit point the new network must accept a C-Chain and an X-Chain transfer, sent by
   * the worker's canary key (REGENESIS_CANARY_KEY_FILE, funded in the genesis). Off only for
   * networks where no such key exists; then the operator proves block production by hand.
   */
  transferCheck: z.boolean().default(true),
  /**
   * 2 (default): the freeze is the halt. Stage 1 exports at the epoch with the network live and is
   * approved; stage 2, right after the approval, halts every validator of the old network, proves
   * where it stopped, exports what changed since stage 1 and launches that state, so nothing the
   * old network accepted is missing. 1: the stage-1 state is launched and every block accepted
   * after the epoch is dropped (the run counts them); kept for networks already halted by hand.
   */
  stages: z.union([z.literal(1), z.literal(2)]).default(2),
  /** How long the halted network's last accepted blocks must stand still on the API node. */
  headsSettleSeconds: z.number().int().min(1).max(50).default(5),
  /**
   * How far the final state may move from the approved stage 1 without a second approval: beyond
   * either limit the run waits for approvals of the final genesis, with the delta on its status.
   */
  deltaLimits: z
    .strictObject({
      /** C-Chain accounts changed between the epoch and the halt. */
      accountsChanged: z.number().int().min(0).default(100_000),
      /** Whether the P-Chain validator set (members, stake, owners) may differ from stage 1's. */
      validatorSetMayChange: z.boolean().default(false),
    })
    .default({ accountsChanged: 100_000, validatorSetMayChange: false }),
});

/** An approver and the public key that proves its approvals (format only here: the curve point is checked where it is used). */
const approverSchema = z.strictObject({
  name: identity,
  publicKey: z
    .string()
    .regex(/^(ed25519:[0-9a-fA-F]{64}|secp256k1:0[23][0-9a-fA-F]{64})$/, 'must be "ed25519:<32-byte hex>" or "secp256k1:<33-byte compressed hex>"'),
});

export const launchSchema = z.strictObject({
  approvals: z
    .strictObject({
      /** Distinct approvers needed before the network is touched. */
      required: z.number().int().min(1).max(16).default(1),
      /**
       * Who may approve, each with the public key its approvals are signed with
       * (`ed25519:<hex>` or `secp256k1:<compressed hex>`). New runs require keys (approverKeysIssue);
       * a bare name is accepted only so runs started before signed approvals still replay.
       */
      approvers: z
        .array(z.union([identity, approverSchema]))
        .max(64)
        .optional(),
      /** Waiting longer than this rolls the run back; it never passes silently. */
      timeoutSeconds: z
        .number()
        .int()
        .positive()
        .max(90 * 24 * 3600)
        .default(7 * 24 * 3600),
    })
    .default({ required: 1, timeoutSeconds: 7 * 24 * 3600 }),
  /** The new validator set; more can register through the `registerValidator` update. */
  validators: z
    .array(validatorKeysSchema)
    .max(1000)
    .default([])
    .superRefine((validators, ctx) => {
      const nodeIds = new Set<string>();
      const keys = new Set<string>();
      validators.forEach((v, i) => {
        if (nodeIds.has(v.nodeId)) ctx.addIssue({ code: 'custom', path: [i, 'nodeId'], message: `duplicate validator ${v.nodeId}` });
        const key = v.blsPublicKey.toLowerCase();
        if (keys.has(key)) ctx.addIssue({ code: 'custom', path: [i, 'blsPublicKey'], message: 'BLS public key already used by another validator' });
        nodeIds.add(v.nodeId);
        keys.add(key);
      });
    }),
  /** How long validators have to ratify the genesis (BLS signatures over its sha256). */
  ratificationTimeoutSeconds: z
    .number()
    .int()
    .positive()
    .default(24 * 3600),
  operator: z.discriminatedUnion('kind', [localOperator, manualOperator, agentsOperator]),
});

const pChainSchema = z.strictObject({
  /** Bech32 P-Chain addresses (`P-<hrp>1…`) whose UTXOs are exported. */
  addresses: z
    .array(z.string().regex(/^P-[a-z]{1,16}1[02-9ac-hj-np-z]{6,90}$/, 'a bech32 P-Chain address (P-<hrp>1…)'))
    .max(MAX_P_ADDRESSES)
    .default([]),
  /**
   * Also export every owner the chains name up to the epoch: reward and stake owners, the X-Chain's
   * genesis allocations, and every output of every P- and X-Chain block (for P and X alike).
   */
  discoverAddresses: z.boolean().default(false),
  /**
   * How much of the node's supply (`platform.getCurrentSupply`, less the stakers' unminted
   * potential rewards, plus the C-Chain's genesis allocation, less the fees discovery counted as
   * burned) the export may leave unreached, in the staking asset's smallest unit (nAVAX), as a
   * decimal string. Above it — or below zero, when the export reached more than the node says
   * exists — verification fails naming the largest unexported owners it finds (supply-gap-<asset>).
   */
  maxSupplyGap: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,29})$/, 'a whole amount in the smallest unit (nAVAX) as a decimal string, e.g. "1000000000" for 1 AVAX')
    .default('0'),
});

const xChainSchema = z.strictObject({
  /** Bech32 X-Chain addresses (`X-<hrp>1…`) whose UTXOs are exported. */
  addresses: z
    .array(z.string().regex(/^X-[a-z]{1,16}1[02-9ac-hj-np-z]{6,90}$/, 'a bech32 X-Chain address (X-<hrp>1…)'))
    .max(MAX_P_ADDRESSES)
    .default([]),
});

export const planSchema = z.strictObject({
  /** A short name for the run; used in artifact paths, so restricted to a safe alphabet. */
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only, starting with a letter or digit'),
  chains: z.strictObject({
    C: evmChainSchema,
    /**
     * The P-Chain of the same avalanchego/luxd node as chains.C: the validator set at the epoch's
     * P-Chain height and the UTXOs of `addresses`. Needs epoch.source = proposervm (the pin).
     */
    P: pChainSchema.optional(),
    /** The X-Chain of the same node: the UTXOs of `addresses` per asset, pinned like chains.P. */
    X: xChainSchema.optional(),
    /** The Q-Chain of the same luxd node: its configuration, carried as qChainGenesis. */
    Q: z.strictObject({}).optional(),
  }),
  target: z.union([epochTarget, heightTarget]),
  epoch: z
    .strictObject({
      /** LP-181 epoch duration D in seconds. */
      durationSeconds: z.number().positive('must be a positive number of seconds').finite(),
      /**
       * Where epochs are read from: the chain's block timestamps (any EVM chain), or the node's
       * `proposervm.getCurrentEpoch` (avalanchego ≥ 1.14 C-Chain, whose rpcUrl ends in
       * /ext/bc/C/rpc), which also pins the epoch's P-Chain height.
       */
      source: z.enum(['block-timestamps', 'proposervm']).default('block-timestamps'),
      /** Block whose timestamp starts epoch 0. */
      anchorHeight: z.number().int().min(0).default(0),
      /** How often the durable wait re-reads the chain. */
      pollSeconds: z.number().positive().max(3600).default(5),
      /** A chain that stops producing blocks never seals its epoch: the wait gives up after this. */
      maxWaitSeconds: z
        .number()
        .int()
        .positive()
        .default(24 * 3600),
    })
    .default({ durationSeconds: 300, source: 'block-timestamps', anchorHeight: 0, pollSeconds: 5, maxWaitSeconds: 24 * 3600 }),
  genesis: z.strictObject({
    /** Chain ID of the new network. */
    chainId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    /**
     * Genesis start time: ISO-8601, unix seconds, or `{ afterFreezeSeconds }` (relative to the freeze
     * block, for schedules); in the future, at most 30 days after the freeze block.
     */
    startTime: z.union([
      z.iso.datetime({ offset: true }),
      z.number().int().positive(),
      z.strictObject({ afterFreezeSeconds: z.number().int().positive().max(THIRTY_DAYS_SECONDS) }),
    ]),
    gasLimit: z.number().int().positive().default(30_000_000),
    /** With chains.P: the primary-network genesis around the C-Chain one (needs a coreth source). */
    primary: primaryGenesisSchema.optional(),
  }),
  rehearsal: z.strictObject({ enabled: z.boolean().default(true) }).default({ enabled: true }),
  /** How the run was started; recorded as a search attribute. */
  kind: z.enum(['manual', 'scheduled', 'emergency']).default('manual'),
  /** LP-018 brand and environment: with both, a chain ID owned by another brand × env is refused. */
  brand: z
    .string()
    .min(1)
    .max(32)
    .regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and "-"')
    .optional(),
  env: z.enum(ENVIRONMENTS).optional(),
  /** Network name shown in the Web UI's run list (search attribute). */
  network: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)
    .default('default'),
  /**
   * Approval, validator migration and launch. Without it the run is a proposal: it ends after
   * export, genesis, verification, rehearsal and the report.
   */
  launch: launchSchema.optional(),
});

export type PlanInput = z.input<typeof planSchema>;
export type Plan = z.output<typeof planSchema>;
