import { closeSync, mkdirSync, openSync, statSync, utimesSync, writeSync } from 'node:fs';
import { truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../src/agent/config.js';
import { findOldNode, haltOldNode, resumeOldNode } from '../../src/agent/oldNode.js';
import { notBootstrapped } from '../../src/nodes/avalanchegoReadiness.js';
import { killNodesUnder } from '../../src/dev/validatorNetwork.js';
import { agentConfigFor, startLocalAvalanche, type LocalAvalanche } from '../rigs/avalancheLocal.js';

/**
 * A validator host's halt and resume on a node whose data directory is as large as a mainnet
 * node's (≥ 20 GiB): the agent's digest of the directory (path, kind, size, inode, modification
 * and change times of every entry: src/agent/dataDigest.ts) reads no file's bytes, so both steps
 * take seconds at any size, and a file written while the node was down is still caught and keeps
 * the node down until an operator accepts it.
 *
 * The bulk is sparse files beside the node's own database (the node never opens them; the digest
 * walks them as it walks the database). Each step's milliseconds are printed, not asserted.
 */

const GIB = 1024 ** 3;
const BULK_FILES = 20;

describe("an agent's halt and resume of a 20 GiB data directory", () => {
  let net: LocalAvalanche;
  let cfg: AgentConfig;
  let bulkFile: string;

  beforeAll(async () => {
    net = await startLocalAvalanche();
    cfg = agentConfigFor(net);
    const bulk = join(net.node.dataDir, 'bulk');
    mkdirSync(bulk);
    for (let i = 0; i < BULK_FILES; i++) await truncate(openAndClose(join(bulk, `shard-${i}.ldb`)), GIB);
    bulkFile = join(bulk, 'shard-7.ldb');
  }, 180_000);

  afterAll(async () => {
    // The agent restarts the node detached, as it outlives an agent: stopped by its pid file here.
    if (net) await killNodesUnder(net.dir);
    await net?.stop();
  });

  it('halts and resumes in seconds, and a file changed in between keeps the node down until the operator accepts it', async () => {
    const size = BULK_FILES * statSync(bulkFile).size;
    expect(size).toBeGreaterThanOrEqual(20 * GIB);

    // Unchanged: halted, then resumed on the same directory.
    let t = Date.now();
    const halted = await haltOldNode(cfg, 'run-clean');
    const haltMs = Date.now() - t;
    expect(halted.halted).toBeDefined();
    expect(await findOldNode(cfg)).toBeUndefined();
    t = Date.now();
    expect(await resumeOldNode(cfg, 'run-clean')).toMatchObject({ resumed: true, dataUnchanged: true });
    const resumeMs = Date.now() - t;
    expect(await notBootstrapped(net.node.uri)).toEqual([]);

    // Changed while halted: one byte inside a 1 GiB file, its modification time put back.
    await haltOldNode(cfg, 'run-changed');
    const before = statSync(bulkFile);
    const fd = openSync(bulkFile, 'r+');
    writeSync(fd, Buffer.from([1]), 0, 1, 512 * 1024 * 1024);
    closeSync(fd);
    utimesSync(bulkFile, before.atime, before.mtime);
    t = Date.now();
    const refused = await resumeOldNode(cfg, 'run-changed');
    const refusedMs = Date.now() - t;
    expect(refused).toMatchObject({ resumed: false, dataUnchanged: false });
    expect(refused.refused).toMatch(/changed while the node was halted/);
    // The node stays down: no process of that data directory, and its API does not answer.
    expect(await findOldNode(cfg)).toBeUndefined();
    await expect(fetch(`${net.node.uri}/ext/health`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();

    // The operator looked, and resumes it (regenesis resume-old-node --accept-changed-data).
    expect(await resumeOldNode(cfg, 'run-changed', undefined, undefined, { acceptChangedData: true })).toMatchObject({ resumed: true, dataUnchanged: false });
    expect(await notBootstrapped(net.node.uri)).toEqual([]);

    console.log(JSON.stringify({ dataDirectoryBytes: size, haltMs, resumeMs, refusedResumeMs: refusedMs }));
  }, 300_000);
});

function openAndClose(path: string): string {
  closeSync(openSync(path, 'w'));
  return path;
}
