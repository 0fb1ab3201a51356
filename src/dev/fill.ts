import { setTimeout as sleep } from 'node:timers/promises';
import { Wallet, getCreateAddress } from 'ethers';
import { probeNodeKind } from '../chains/evm/nodeKind.js';
import { JsonRpcClient, RpcTransportError } from '../chains/evm/rpc.js';
import { bytesToHex, toQuantity, type Hex } from '../state/hex.js';
import { keccak256, keccakReady } from '../state/keccak.js';

/**
 * Fills a dev chain with real transactions from the node's unlocked account (eth_accounts[0]; geth
 * --dev and anvil both have one), so exports are tested on state built the way real chains build it:
 * funded EOAs, contracts with storage written by calls, a slot written then zeroed, an account that
 * sent away its whole balance (nonce > 0, balance 0), and a contract created and self-destructed in
 * one transaction (after Cancun the only SELFDESTRUCT that still deletes an account).
 */

export interface FillOptions {
  /** Seed of the PRNG behind addresses, slots, values and amounts. Default 1. */
  seed?: number;
  /** Random EOAs to fund. Default 500. */
  accounts?: number;
  /** Storage contracts to deploy. Default 20. */
  contracts?: number;
  /** Storage slots to write across the contracts (one is zeroed again afterwards). Default 2100. */
  slots?: number;
  /**
   * Zero one written slot again. Default true. anvil (1.7.1) keeps such a slot in its storage trie
   * as a zero leaf, so its state roots stop matching Ethereum's; pass false to keep anvil's roots
   * comparable.
   */
  zeroSlot?: boolean;
  /** Transactions per JSON-RPC batch. Default 100. */
  batchSize?: number;
  /** How long geth --dev may take to seal all transactions (on anvil the fill mines them). Default 5 min. */
  timeoutMs?: number;
}

export interface FillSummary {
  /** Sender: the node's unlocked account. */
  from: Hex;
  /** Random EOAs funded (not counting the emptied account and the self-destruct beneficiary). */
  accounts: number;
  /** Storage contracts deployed and alive. */
  contracts: number;
  /** Non-zero storage slots across those contracts at the end. */
  slots: number;
  /** Block of the last fill transaction. */
  lastBlock: number;
  transactions: number;
  elapsedMs: number;
  fundedAddresses: Hex[];
  contractAddresses: Hex[];
  /** Final non-zero storage per contract (slot → 32-byte value), for spot checks. */
  storage: Record<Hex, Record<Hex, Hex>>;
  /** The slot written then zeroed; null when `zeroSlot: false`. */
  zeroedSlot: { contract: Hex; slot: Hex } | null;
  /** EOA that sent its whole balance away: nonce 1, balance 0. */
  emptiedAccount: Hex;
  /** Contract created and self-destructed in one transaction: must not exist afterwards. */
  selfDestructed: { created: Hex; beneficiary: Hex; value: bigint };
}

/**
 * Runtime code of the storage contract: for each 64-byte chunk (key, value) of calldata,
 * SSTORE(key, value). Hand-assembled (no compiler in the toolchain):
 *
 *   00 PUSH1 0        i = 0
 *   02 JUMPDEST       loop:
 *   03 DUP1 CALLDATASIZE GT ISZERO PUSH1 0x18 JUMPI   if !(calldatasize > i) goto end
 *   0a DUP1 PUSH1 0x20 ADD CALLDATALOAD                value = calldata[i+32]
 *   0f DUP2 CALLDATALOAD                               key = calldata[i]
 *   11 SSTORE                                          storage[key] = value
 *   12 PUSH1 0x40 ADD PUSH1 0x02 JUMP                  i += 64; goto loop
 *   18 JUMPDEST STOP                                   end:
 *
 * Bytes after STOP are never executed; a tag there gives contracts distinct code hashes.
 */
export const STORE_RUNTIME: Hex = '0x60005b8036111560185780602001358135556040016002565b00';

/** Init code that returns `runtime` as the contract's code: CODECOPY(0, 11, len); RETURN(0, len). */
export function deployCode(runtime: Hex): Hex {
  const body = runtime.slice(2);
  const len = body.length / 2;
  if (len > 0xff) throw new Error('runtime longer than 255 bytes needs PUSH2 in the wrapper');
  const l = len.toString(16).padStart(2, '0');
  return `0x60${l}80600b6000396000f3${body}`;
}

/** Init code that self-destructs at once, sending the endowment to `beneficiary`. */
export function selfDestructInitCode(beneficiary: Hex): Hex {
  return `0x73${beneficiary.slice(2)}ff`;
}

/** Deterministic byte stream: keccak256(seed ‖ counter). Needs keccakReady(). */
export class SeededPrng {
  private counter = 0;
  private readonly seed: Uint8Array;
  constructor(seed: number) {
    this.seed = new TextEncoder().encode(`regenesis-fill:${seed}:`);
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let at = 0; at < n; at += 32) {
      const block = new Uint8Array(this.seed.length + 8);
      block.set(this.seed);
      new DataView(block.buffer).setBigUint64(this.seed.length, BigInt(this.counter++));
      out.set(keccak256(block).subarray(0, Math.min(32, n - at)), at);
    }
    return out;
  }
  /** Uniform-ish integer in [0, max). */
  int(max: number): number {
    return Number(new DataView(this.bytes(8).buffer).getBigUint64(0) % BigInt(max));
  }
  address(): Hex {
    return bytesToHex(this.bytes(20));
  }
}

function word(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes).toString('hex').padStart(64, '0')}`;
}

interface TxRequest {
  from: Hex;
  to?: Hex;
  value?: Hex;
  data?: Hex;
  gas: Hex;
  nonce: Hex;
}

interface Receipt {
  status: Hex;
  blockNumber: Hex;
  contractAddress: Hex | null;
}

/** Each request has its own deadline; reads that lost their reply are asked again. */
const REQUEST_TIMEOUT_MS = 30_000;

async function read<T>(rpc: JsonRpcClient, method: string, params: readonly unknown[]): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await rpc.call<T>(method, params, { timeoutMs: REQUEST_TIMEOUT_MS });
    } catch (err) {
      if (!(err instanceof RpcTransportError) || attempt === 3) throw err;
    }
  }
}

/** Sends are not repeated: a resent transaction is refused as known, and its hash is then unknown. */
async function sendAll(rpc: JsonRpcClient, txs: TxRequest[], batchSize: number): Promise<Hex[]> {
  const hashes: Hex[] = [];
  for (let i = 0; i < txs.length; i += batchSize) {
    const chunk = txs.slice(i, i + batchSize);
    const results = await rpc.batch(
      chunk.map((tx) => ({ method: 'eth_sendTransaction', params: [tx] })),
      { timeoutMs: REQUEST_TIMEOUT_MS },
    );
    hashes.push(...(results as Hex[]));
  }
  return hashes;
}

const minedNonce = async (rpc: JsonRpcClient, from: Hex): Promise<bigint> => BigInt(await read<Hex>(rpc, 'eth_getTransactionCount', [from, 'latest']));

/** geth --dev seals on its own period: wait until `nonce` transactions from `from` are mined. */
async function waitForNonce(rpc: JsonRpcClient, from: Hex, nonce: bigint, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mined = await minedNonce(rpc, from);
    if (mined >= nonce) return;
    if (Date.now() > deadline) throw new Error(`only ${mined} of ${nonce} transactions from ${from} mined after ${timeoutMs} ms`);
    await sleep(200);
  }
}

/**
 * How the chain takes the fill's transactions: in windows sent whole, each then `mined` (through
 * nonce `nonce` of `from`) before the next is sent.
 */
interface Mining {
  windows(txs: TxRequest[]): TxRequest[][];
  mined(from: Hex, nonce: bigint): Promise<void>;
}

function chunks(txs: TxRequest[], size: number): TxRequest[][] {
  return Array.from({ length: Math.ceil(txs.length / size) }, (_, i) => txs.slice(i * size, (i + 1) * size));
}

const FILL_WINDOW = 2_000;

/** geth --dev: its pool keeps at most 5,120 pending transactions in total (and evicts beyond that). */
function gethMining(rpc: JsonRpcClient, timeoutMs: number): Mining {
  return { windows: (txs) => chunks(txs, FILL_WINDOW), mined: (from, nonce) => waitForNonce(rpc, from, nonce, timeoutMs) };
}

/**
 * anvil with automine off: each window fits one block by gas limit and is mined by one evm_mine,
 * since anvil drops from its pool what a mined block leaves out. A block that misses any of its
 * window fails the fill at once, naming the transaction.
 */
function anvilMining(rpc: JsonRpcClient, blockGasLimit: bigint): Mining {
  return {
    windows(txs) {
      const out: TxRequest[][] = [];
      let gas = 0n;
      for (const tx of txs) {
        if (out.length === 0 || gas + BigInt(tx.gas) > blockGasLimit) {
          out.push([]);
          gas = 0n;
        }
        out.at(-1)!.push(tx);
        gas += BigInt(tx.gas);
      }
      return out;
    },
    async mined(from, nonce) {
      await read(rpc, 'evm_mine', []);
      const mined = await minedNonce(rpc, from);
      if (mined < nonce) throw new Error(`anvil mined a block without transaction ${mined} of ${from} (${nonce - mined} of its window left out)`);
    },
  };
}

async function receipts(rpc: JsonRpcClient, hashes: Hex[], batchSize: number): Promise<Receipt[]> {
  const out: Receipt[] = [];
  for (let i = 0; i < hashes.length; i += batchSize) {
    const chunk = hashes.slice(i, i + batchSize);
    // anvil counts a transaction's nonce as mined a moment before its receipt is served: retry briefly.
    for (let attempt = 1; ; attempt++) {
      const results = (await rpc.batch(
        chunk.map((h) => ({ method: 'eth_getTransactionReceipt', params: [h] })),
        { timeoutMs: REQUEST_TIMEOUT_MS },
      )) as (Receipt | null)[];
      const missing = results.findIndex((r) => !r);
      if (missing >= 0 && attempt < 50) {
        await sleep(100);
        continue;
      }
      results.forEach((r, j) => {
        if (!r) throw new Error(`transaction ${chunk[j]} has no receipt although its nonce is mined`);
        if (r.status !== '0x1') throw new Error(`transaction ${chunk[j]} failed (status ${r.status})`);
        out.push(r);
      });
      break;
    }
  }
  return out;
}

export async function fillChain(rpcUrl: string, options: FillOptions = {}): Promise<FillSummary> {
  await keccakReady();
  const rpc = new JsonRpcClient(rpcUrl, { timeoutMs: REQUEST_TIMEOUT_MS });
  if ((await probeNodeKind(rpc)) !== 'anvil') {
    return fill(rpc, options, gethMining(rpc, options.timeoutMs ?? 300_000));
  }
  // anvil's automine races its own pool: a transaction that arrives while the block holding its
  // predecessor is being mined can be parked as queued for good, its nonce already the account's,
  // and no later block (evm_mine included) takes it or any after it (anvil 1.7.1: 3 fills in 15
  // with 100-transaction batches hung so). With automine off nothing is mined while transactions
  // arrive: the fill mines them itself, then turns automine back on for the tests that rely on it.
  const { gasLimit } = await read<{ gasLimit: Hex }>(rpc, 'eth_getBlockByNumber', ['latest', false]);
  await rpc.call('evm_setAutomine', [false]);
  try {
    return await fill(rpc, options, anvilMining(rpc, BigInt(gasLimit)));
  } finally {
    await rpc.call('evm_setAutomine', [true]);
  }
}

async function fill(rpc: JsonRpcClient, options: FillOptions, mining: Mining): Promise<FillSummary> {
  const started = Date.now();
  const prng = new SeededPrng(options.seed ?? 1);
  const accountCount = options.accounts ?? 500;
  const contractCount = options.contracts ?? 20;
  const slotCount = options.slots ?? 2100;
  const batchSize = options.batchSize ?? 100;

  const [from] = await rpc.call<Hex[]>('eth_accounts');
  if (!from) throw new Error(`${rpc.endpoint} has no unlocked account (eth_accounts is empty)`);
  const sender = from.toLowerCase() as Hex;
  const chainId = BigInt(await rpc.call<Hex>('eth_chainId'));
  let nonce = BigInt(await rpc.call<Hex>('eth_getTransactionCount', [sender, 'pending']));
  const txs: TxRequest[] = [];
  const push = (tx: Omit<TxRequest, 'from' | 'nonce'>): bigint => {
    const n = nonce++;
    txs.push({ from: sender, nonce: toQuantity(n), ...tx });
    return n;
  };

  // Contracts first: later calls in the same pipeline target them, and nonce order is execution order.
  const contractAddresses: Hex[] = [];
  for (let c = 0; c < contractCount; c++) {
    const tag = (c % 10).toString(16).padStart(64, '0'); // ten distinct codes, each shared by two contracts
    const n = push({ data: deployCode(`${STORE_RUNTIME}${tag}` as Hex), gas: toQuantity(300_000n) });
    contractAddresses.push(getCreateAddress({ from: sender, nonce: n }).toLowerCase() as Hex);
  }

  // Storage: uneven slot counts per contract, small and random keys, values of every length.
  const storage: Record<Hex, Record<Hex, Hex>> = {};
  const perContract: number[] = [];
  let remaining = slotCount;
  for (let c = 0; c < contractCount; c++) {
    const left = contractCount - c;
    const share = c === contractCount - 1 ? remaining : Math.max(1, Math.floor((remaining / left) * (0.5 + prng.int(1000) / 1000)));
    perContract.push(Math.min(share, remaining - (left - 1)));
    remaining -= perContract[c]!;
  }
  for (let c = 0; c < contractCount; c++) {
    const address = contractAddresses[c]!;
    const slots: Record<Hex, Hex> = {};
    const pairs: Array<[Hex, Hex]> = [];
    for (let i = 0; i < perContract[c]!; i++) {
      const key = i % 3 === 0 ? word(new Uint8Array([i >> 8, i & 0xff])) : word(prng.bytes(32));
      const value = prng.bytes(1 + prng.int(32));
      value[value.length - 1]! |= 1; // never zero
      const v = word(value);
      slots[key] = v;
      pairs.push([key, v]);
    }
    storage[address] = slots;
    for (let i = 0; i < pairs.length; i += 100) {
      const chunk = pairs.slice(i, i + 100);
      const data = `0x${chunk.map(([k, v]) => k.slice(2) + v.slice(2)).join('')}` as Hex;
      push({ to: address, data, gas: toQuantity(60_000n + 30_000n * BigInt(chunk.length)) });
    }
  }

  // A slot written above is zeroed, another overwritten: both must show their final value only.
  const zeroContract = contractAddresses[0]!;
  const [zeroSlot, rewriteSlot] = Object.keys(storage[zeroContract]!) as Hex[];
  if (!zeroSlot || !rewriteSlot) throw new Error('the first contract needs at least two slots');
  const rewritten = word(prng.bytes(32));
  const zeroing = options.zeroSlot ?? true;
  const zeroPair = zeroing ? `${zeroSlot.slice(2)}${'00'.repeat(32)}` : '';
  push({ to: zeroContract, data: `0x${zeroPair}${rewriteSlot.slice(2)}${rewritten.slice(2)}`, gas: toQuantity(120_000n) });
  if (zeroing) delete storage[zeroContract]![zeroSlot];
  storage[zeroContract]![rewriteSlot] = rewritten;

  // Funded EOAs.
  const fundedAddresses: Hex[] = [];
  for (let i = 0; i < accountCount; i++) {
    const to = prng.address();
    fundedAddresses.push(to);
    push({ to, value: toQuantity(1n + (BigInt(`0x${Buffer.from(prng.bytes(8)).toString('hex')}`) % 10n ** 17n)), gas: toQuantity(21_000n) });
  }

  // The account to be emptied, funded from the dev account.
  const emptied = new Wallet(bytesToHex(prng.bytes(32)));
  const emptiedAddress = emptied.address.toLowerCase() as Hex;
  push({ to: emptiedAddress, value: toQuantity(10n ** 17n), gas: toQuantity(21_000n) });

  // Created and self-destructed in the same transaction.
  const beneficiary = prng.address();
  const endowment = 12_345n;
  const sdNonce = push({ data: selfDestructInitCode(beneficiary), value: toQuantity(endowment), gas: toQuantity(200_000n) });
  const created = getCreateAddress({ from: sender, nonce: sdNonce }).toLowerCase() as Hex;

  // Pipelined in windows, each mined before the next is sent.
  const hashes: Hex[] = [];
  for (const window of mining.windows(txs)) {
    hashes.push(...(await sendAll(rpc, window, batchSize)));
    await mining.mined(sender, BigInt(window.at(-1)!.nonce) + 1n);
  }
  const mined = await receipts(rpc, hashes, batchSize);
  let lastBlock = 0;
  for (const r of mined) lastBlock = Math.max(lastBlock, Number(BigInt(r.blockNumber)));
  mined.slice(0, contractCount).forEach((r, c) => {
    if (r.contractAddress?.toLowerCase() !== contractAddresses[c]) {
      throw new Error(`contract ${c} deployed at ${r.contractAddress}, expected ${contractAddresses[c]}`);
    }
  });

  // Empty the funded account: a legacy transaction costs exactly gasLimit × gasPrice for a plain
  // transfer (21,000 gas, no refund), so value = balance − 21,000 × gasPrice leaves exactly zero.
  const balance = BigInt(await rpc.call<Hex>('eth_getBalance', [emptiedAddress, 'latest']));
  const head = await rpc.call<{ baseFeePerGas?: Hex }>('eth_getBlockByNumber', ['latest', false]);
  const gasPrice = 2n * BigInt(head.baseFeePerGas ?? '0x0') + 1_000_000_000n;
  const signed = await emptied.signTransaction({
    type: 0,
    chainId,
    nonce: 0,
    to: sender,
    value: balance - 21_000n * gasPrice,
    gasLimit: 21_000n,
    gasPrice,
  });
  const emptyHash = await rpc.call<Hex>('eth_sendRawTransaction', [signed]);
  await mining.mined(emptiedAddress, 1n);
  const [emptyReceipt] = await receipts(rpc, [emptyHash], 1);
  lastBlock = Math.max(lastBlock, Number(BigInt(emptyReceipt!.blockNumber)));
  const left = BigInt(await rpc.call<Hex>('eth_getBalance', [emptiedAddress, 'latest']));
  if (left !== 0n) throw new Error(`emptied account ${emptiedAddress} still holds ${left} wei`);

  return {
    from: sender,
    accounts: fundedAddresses.length,
    contracts: contractAddresses.length,
    slots: Object.values(storage).reduce((n, s) => n + Object.keys(s).length, 0),
    lastBlock,
    transactions: txs.length + 1,
    elapsedMs: Date.now() - started,
    fundedAddresses,
    contractAddresses,
    storage,
    zeroedSlot: zeroing ? { contract: zeroContract, slot: zeroSlot } : null,
    emptiedAccount: emptiedAddress,
    selfDestructed: { created, beneficiary, value: endowment },
  };
}
