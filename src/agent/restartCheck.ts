import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, dirname, join, resolve } from 'node:path';
import type { AgentConfig } from './config.js';
import { inlineKeyProblems } from './inlineKeys.js';
import { splitCommandLine } from './nodeArgs.js';
import type { FoundNode } from './nodeDiscovery.js';

/**
 * Preflight's dry run of what the halt commits the agent to: once its node is down, the agent must
 * be able to start it again (a rollback) and to start the new node. Each of these is checked on the
 * live node, before anything is exported or halted, without touching the node or writing a byte:
 * a problem found here costs a refused run; found at the halt, it would cost a host that stays
 * down while the others roll back.
 */
export async function restartProblems(config: AgentConfig, node: FoundNode): Promise<string[]> {
  const problems: string[] = [];
  // The command and flags exactly as the halt records them for the restart (oldNode.ts).
  const { command, flags } = splitCommandLine(node.argv, node.view.exe);
  if (config.mode === 'process') {
    const binary = command[0] ?? '';
    const found = await executableOf(binary, node.view.cwd);
    if (!found)
      problems.push(
        `the old node's command ${JSON.stringify(binary)} is not an executable file from ${node.view.cwd ?? '/'} or PATH: a rollback could not restart it`,
      );
    if (!(await isExecutable(config.nodeBinary))) problems.push(`--node-binary ${config.nodeBinary} is not an executable file: the new node could not start`);
  }
  if (!(await canCreateDir(config.workDir))) problems.push(`--work-dir ${config.workDir} cannot be written: the halt could not record the node's command line`);
  if (node.settings.configError)
    problems.push(`the node's config file cannot be read (${node.settings.configError}): its restart would not see the same settings`);
  problems.push(...inlineKeyProblems(flags));
  return problems;
}

async function isExecutable(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return false;
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** Whether `path` is a writable directory, or one the agent could create (its nearest existing ancestor is one). */
async function canCreateDir(path: string): Promise<boolean> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return dirname(path) !== path && canCreateDir(dirname(path));
  if (!info.isDirectory()) return false;
  return access(path, constants.W_OK).then(
    () => true,
    () => false,
  );
}

/** Where `command` is run from, as a restart would run it: a path (from the old process's directory) or a name on PATH. */
async function executableOf(command: string, cwd: string | undefined): Promise<string | undefined> {
  if (command === '') return undefined;
  const candidates = command.includes('/') ? [resolve(cwd ?? '/', command)] : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, command));
  for (const candidate of candidates) if (await isExecutable(candidate)) return candidate;
  return undefined;
}
