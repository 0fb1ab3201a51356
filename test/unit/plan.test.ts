import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { checkStartTimeAgainstFreeze, parsePlan, PlanError, type PlanInput } from '../../src/plan/index.js';

const NOW = 1_800_000_000;

function validPlan(): PlanInput {
  return {
    name: 'devnet',
    chains: { C: { rpcUrl: 'http://127.0.0.1:8545' } },
    target: { epoch: 'current' },
    epoch: { durationSeconds: 30 },
    genesis: { chainId: 7777, startTime: NOW + 3600 },
  };
}

function errorOf(input: unknown): PlanError {
  try {
    parsePlan(input, NOW);
  } catch (err) {
    if (err instanceof PlanError) return err;
    throw err;
  }
  throw new Error('plan was accepted');
}

describe('plan validation', () => {
  it('accepts a minimal plan and fills defaults', () => {
    const plan = parsePlan(validPlan(), NOW);
    expect(plan.chains.C.partitions).toBe(4);
    expect(plan.chains.C.node).toBe('auto');
    expect(plan.epoch.pollSeconds).toBe(5);
    expect(plan.rehearsal.enabled).toBe(true);
  });

  it('accepts the example plan in examples/ (with a start time in the future)', () => {
    const example = JSON.parse(readFileSync(new URL('../../examples/plan.json', import.meta.url), 'utf8'));
    example.genesis.startTime = NOW + 60;
    expect(parsePlan(example, NOW).name).toBe('devnet-2026');
  });

  const cases: Array<[string, (p: any) => void, string]> = [
    ['missing RPC URL', (p) => delete p.chains.C.rpcUrl, 'plan.chains.C.rpcUrl'],
    ['unknown top-level field', (p) => (p.colour = 'blue'), 'colour'],
    ['unknown chain field', (p) => (p.chains.C.rpcurl = 'x'), 'rpcurl'],
    ['negative epoch duration', (p) => (p.epoch.durationSeconds = -5), 'plan.epoch.durationSeconds'],
    ['zero epoch duration', (p) => (p.epoch.durationSeconds = 0), 'plan.epoch.durationSeconds'],
    ['start time in the past', (p) => (p.genesis.startTime = NOW - 1), 'plan.genesis.startTime'],
    ['RPC URL with credentials', (p) => (p.chains.C.rpcUrl = 'http://alice:hunter2@127.0.0.1:8545'), 'plan.chains.C.rpcUrl'],
    ['non-http RPC URL', (p) => (p.chains.C.rpcUrl = 'file:///etc/passwd'), 'plan.chains.C.rpcUrl'],
    ['path traversal in name', (p) => (p.name = '../../etc'), 'plan.name'],
    ['zero partitions', (p) => (p.chains.C.partitions = 0), 'plan.chains.C.partitions'],
    ['page size above geth cap', (p) => (p.chains.C.pageSize = 1000), 'plan.chains.C.pageSize'],
    ['negative target height', (p) => (p.target = { height: -1 }), 'plan.target'],
    ['chain ID as a string', (p) => (p.genesis.chainId = '7777'), 'plan.genesis.chainId'],
  ];

  it.each(cases)('refuses %s, naming the field', (_name, mutate, field) => {
    const plan = structuredClone(validPlan());
    mutate(plan);
    const err = errorOf(plan);
    expect(err.message).toContain(field);
  });

  it('refuses a plan with several mistakes once, naming every one of them', () => {
    const plan = {
      ...validPlan(),
      brand: 'zoo',
      env: 'mainnet',
      chains: { C: { rpcUrl: 'http://127.0.0.1:8545' }, P: { addresses: [] }, X: { addresses: [] } },
      target: { height: 5 },
      genesis: { chainId: 96369, startTime: NOW - 60 },
      launch: { operator: { kind: 'agents' } },
    };
    const err = errorOf(plan);
    expect(err.issues.map((i) => i.field)).toEqual([
      'plan.genesis.chainId',
      'plan.chains.P',
      'plan.chains.P',
      'plan.chains.X',
      'plan.chains.X',
      'plan.launch.operator',
      'plan.genesis.startTime',
    ]);
    expect(err.issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/^chain ID 96369 belongs to lux mainnet/),
      expect.stringMatching(/^needs an epoch target/),
      expect.stringMatching(/^needs plan\.epoch\.source 'proposervm'/),
      expect.stringMatching(/^needs an epoch target/),
      expect.stringMatching(/^needs plan\.epoch\.source 'proposervm'/),
      expect.stringMatching(/^migrates the validators of a primary network/),
      expect.stringMatching(/ is in the past$/),
    ]);
    // One message names them all, each as `field: reason`, in the order of the issues.
    expect(err.message).toBe(err.issues.map((i) => `${i.field}: ${i.message}`).join('; '));
  });

  it("names the schema's mistakes together too, before any cross-field rule", () => {
    const plan = structuredClone(validPlan()) as any;
    plan.colour = 'blue';
    plan.epoch.durationSeconds = 0;
    plan.genesis.chainId = '7777';
    const fields = errorOf(plan).issues.map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['plan', 'plan.epoch.durationSeconds', 'plan.genesis.chainId']));
    expect(fields).toHaveLength(3);
  });

  it('never echoes credentials from a refused URL', () => {
    const plan = structuredClone(validPlan()) as any;
    plan.chains.C.rpcUrl = 'http://alice:hunter2@127.0.0.1:8545';
    expect(errorOf(plan).message).not.toContain('hunter2');
  });

  it('resolves a relative start time against the freeze block', () => {
    const plan = parsePlan({ ...validPlan(), genesis: { chainId: 7777, startTime: { afterFreezeSeconds: 600 } } }, NOW);
    expect(checkStartTimeAgainstFreeze(plan, NOW, NOW)).toBeUndefined();
    expect(checkStartTimeAgainstFreeze(plan, NOW - 700, NOW)).toMatch(/in the past/);
    const tooLate = structuredClone(validPlan()) as any;
    tooLate.genesis.startTime = { afterFreezeSeconds: 31 * 86400 };
    expect(errorOf(tooLate).message).toContain('plan.genesis.startTime');
  });

  it('checks the genesis start time against the freeze block (LP-326: after it, within 30 days)', () => {
    const plan = parsePlan(validPlan(), NOW);
    const start = NOW + 3600;
    expect(checkStartTimeAgainstFreeze(plan, start - 10, NOW)).toBeUndefined();
    expect(checkStartTimeAgainstFreeze(plan, start, NOW)).toMatch(/plan\.genesis\.startTime: .* not after/);
    expect(checkStartTimeAgainstFreeze(plan, start - 30 * 86400, NOW)).toBeUndefined();
    expect(checkStartTimeAgainstFreeze(plan, start - 30 * 86400 - 1, NOW)).toMatch(/more than 30 days/);
  });
});
