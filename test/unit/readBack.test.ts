import { describe, expect, it } from 'vitest';
import type { RpcCall } from '../../src/chains/evm/rpc.js';
import type { AccountRecord } from '../../src/state/account.js';
import { toWord, type Hex } from '../../src/state/hex.js';
import { compareWithNode, expectedVersusServed, readBackAccounts, type ReadBackRpc } from '../../src/verify/nodeSamples.js';

const address: Hex = '0x00000000000000000000000000000000000000bb';
const slot = (i: number): Hex => toWord(`0x${i.toString(16)}`);

/** A contract with twelve slots, so a read capped at a few slots per account would miss the last one. */
const record: AccountRecord = {
  key: `0x${'11'.repeat(32)}`,
  address,
  balance: '0x10',
  nonce: '0x1',
  codeHash: `0x${'22'.repeat(32)}`,
  code: '0x6001600055',
  storage: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [slot(i + 1), toWord(`0x${(i + 1).toString(16)}`)])),
};

/** A node that serves `record` but for a wrong balance and a wrong twelfth slot; counts how it was asked. */
function node(): ReadBackRpc & { calls: number; batches: number[] } {
  const answer = (c: RpcCall): unknown => {
    const [, second] = c.params ?? [];
    if (c.method === 'eth_getBalance') return '0x11';
    if (c.method === 'eth_getTransactionCount') return '0x1';
    if (c.method === 'eth_getCode') return '0x6001600055';
    if (second === slot(12)) return '0x0';
    return record.storage![second as Hex];
  };
  const fake = {
    calls: 0,
    batches: [] as number[],
    async call<T>(method: string, params: readonly unknown[] = []): Promise<T> {
      fake.calls += 1;
      return answer({ method, params }) as T;
    },
    async batch(calls: readonly RpcCall[]): Promise<unknown[]> {
      fake.batches.push(calls.length);
      return calls.map(answer);
    },
  };
  return fake;
}

describe('the read-back of sampled accounts', () => {
  it('reads every slot and words verification reports as served != exported', async () => {
    const rpc = node();
    expect(await compareWithNode(rpc, '0x7', [record])).toEqual([
      `${address}@0x7 balance 0x11 != 0x10`,
      `${address}@0x7 storage ${slot(12)} 0x0 != ${toWord('0xc')}`,
    ]);
    expect(rpc.calls).toBe(3 + 12);
    expect(rpc.batches).toEqual([]);
  });

  it('sends JSON-RPC batches when asked and words rehearsal reports as expected / node serves', async () => {
    const rpc = node();
    const differences = await readBackAccounts(rpc, '0x0', [record], { batchSize: 10 });
    expect(rpc.batches).toEqual([10, 5]);
    expect(rpc.calls).toBe(0);
    expect(differences.map(expectedVersusServed)).toEqual([
      `${address} balance: expected 16, node serves 17`,
      `${address} storage ${slot(12)}: expected ${toWord('0xc')}, node serves ${toWord('0x0')}`,
    ]);
  });

  it('reports a value that is not hex as served wrong instead of failing the read', async () => {
    const rpc: ReadBackRpc = {
      call: async <T>() => null as T,
      batch: async (calls: readonly RpcCall[]) => calls.map(() => null),
    };
    const lines = await compareWithNode(rpc, '0x0', [{ ...record, storage: undefined }]);
    expect(lines).toEqual([`${address}@0x0 balance null != 0x10`, `${address}@0x0 nonce null != 0x1`, `${address}@0x0 code differs`]);
  });
});
