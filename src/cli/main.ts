#!/usr/bin/env node
import { WorkflowFailedError, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { Command, Option } from 'commander';
import { connectClient } from '../client.js';
import { config } from '../config.js';
import { PlanError, type PlanInput } from '../plan/index.js';
import { createRegenesisSchedule, DEFAULT_INTERVAL, summarizeSchedule } from '../schedule.js';
import { ensureTools } from '../dev/ensureTools.js';
import { readPlanFile } from './planFile.js';
import { printResult } from './print.js';
import { loadAgentConfig } from '../agent/config.js';
import type { RegenesisResult } from '../../workflows/messages.js';
import { emergencyRegenesisWorkflow, regenesisWorkflow } from '../../workflows/index.js';
import { addControlCommands } from './control.js';
import { startMetadata } from '../view/details.js';
import { printStatus } from './status.js';
import { watchModeOf, watchRun } from './watch.js';

const program = new Command('regenesis').description('Multi-chain regenesis coordinator on Temporal');

program
  .command('dev')
  .description('start the Temporal dev server (Web UI, persistent SQLite) and a worker; Ctrl-C stops both')
  .option('--port <port>', 'Temporal frontend port', '7233')
  .option('--ui-port <port>', 'Web UI port', '8233')
  .option('--state-dir <dir>', 'where the dev server keeps its database and logs', config.stateDir)
  .action(async (o: { port: string; uiPort: string; stateDir: string }) => {
    ensureTools(['temporal'], 'the dev server');
    const { runDev } = await import('./dev.js');
    await runDev({ port: Number(o.port), uiPort: Number(o.uiPort), stateDir: o.stateDir });
  });

program
  .command('worker')
  .description('run a worker against TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE')
  .action(async () => {
    const { runWorker } = await import('../worker.js');
    await runWorker();
  });

/** The options that configure a validator host's agent (flags or REGENESIS_AGENT_* variables). */
function withAgentOptions(command: Command): Command {
  return command
    .option('--node-binary <path>', 'avalanchego binary (REGENESIS_AGENT_NODE_BINARY)')
    .option('--data-dir <dir>', "the running validator's data directory, never modified (REGENESIS_AGENT_DATA_DIR)")
    .option('--staking-cert-file <file>', 'staking TLS certificate (REGENESIS_AGENT_STAKING_CERT_FILE)')
    .option('--staking-key-file <file>', 'staking TLS key (REGENESIS_AGENT_STAKING_KEY_FILE)')
    .option('--signer-key-file <file>', 'BLS signer key (REGENESIS_AGENT_SIGNER_KEY_FILE)')
    .option('--work-dir <dir>', "the agent's own directory: staged genesis, new node data (REGENESIS_AGENT_WORK_DIR)")
    .option('--artifacts-dir <dir>', "the coordinator's artifact store as this host sees it (REGENESIS_AGENT_ARTIFACTS_DIR)")
    .option(
      '--artifacts-url <url>',
      "a read-only HTTP(S) mirror of the object store's bodies, <url>/sha256/<hex>, for a host without S3 credentials (REGENESIS_AGENT_ARTIFACTS_URL)",
    )
    .option('--mode <mode>', "process (the agent runs the node) or command (the host's commands do) (REGENESIS_AGENT_MODE)")
    .option('--halt-command <sh>', 'command mode: stops the old node; REGENESIS_NODE_PID names it (REGENESIS_AGENT_HALT_COMMAND)')
    .option('--start-old-command <sh>', 'command mode: starts the old node again (REGENESIS_AGENT_START_OLD_COMMAND)')
    .option('--start-new-command <sh>', 'command mode: starts the new node with REGENESIS_NODE_ARGS (REGENESIS_AGENT_START_NEW_COMMAND)')
    .option('--stop-new-command <sh>', 'command mode: stops the new node; REGENESIS_NODE_PID names it (REGENESIS_AGENT_STOP_NEW_COMMAND)')
    .option(
      '--retire-old-command <sh>',
      'optional: runs once a run passes its commit point, so nothing restarts the old node, e.g. systemctl disable (REGENESIS_AGENT_RETIRE_OLD_COMMAND)',
    )
    .option(
      '--approver-keys-file <file>',
      'recommended: {"required": N, "approvers": [{"name", "publicKey"}]}; the node is halted only for a run N of them signed (REGENESIS_AGENT_APPROVER_KEYS_FILE)',
    );
}

withAgentOptions(
  program
    .command('agent')
    .description(
      "run a validator host's agent: a worker on the task queue of this validator's NodeID that identifies, signs, stages the genesis, halts and starts nodes; keys never leave the host",
    ),
).action(async (o: Record<string, string | undefined>) => {
  const [{ installRuntimeLogger }, { runAgent }] = await Promise.all([import('../worker.js'), import('../agent/worker.js')]);
  installRuntimeLogger();
  await runAgent(loadAgentConfig(o));
});

withAgentOptions(
  program
    .command('resume-old-node')
    .description(
      "on a validator host, with its agent's configuration: restart the old node a run halted, from the command line the halt recorded (what a rollback's resume-old-network does; the remedy when that host's agent could not)",
    )
    .requiredOption('--run-key <key>', 'the run that halted it (the rollback names it)')
    .option('--accept-changed-data', 'restart it even though its data directory changed while it was halted (after you have looked at what changed)'),
).action(async (o: Record<string, string | boolean | undefined>) => {
  const { runKey, acceptChangedData, ...flags } = o;
  const { resumeOldNode } = await import('../agent/oldNode.js');
  const result = await resumeOldNode(loadAgentConfig(flags as Record<string, string | undefined>), String(runKey), undefined, undefined, {
    acceptChangedData: acceptChangedData === true,
  });
  console.log(JSON.stringify(result));
  if (!result.resumed) process.exitCode = 1;
});

program
  .command('bundle')
  .description('build the workflow bundle into a file (a worker image does this once; REGENESIS_WORKFLOW_BUNDLE points workers at it)')
  .requiredOption('--out <file>', 'where to write the bundle')
  .action(async (o: { out: string }) => {
    const { writeWorkflowBundle } = await import('../workflowBundle.js');
    const { bytes } = await writeWorkflowBundle(o.out);
    console.log(`wrote ${o.out} (${bytes} bytes)`);
  });

program
  .command('start')
  .description('validate a plan and start a regenesis run')
  .requiredOption('--plan <file>', 'plan JSON file (see examples/)')
  .option('--id <workflowId>', 'workflow ID (default: regenesis-<name>-<time>)')
  .option('--wait', 'wait for the result and print it')
  .option('--json', 'print machine-readable JSON')
  .action(async (o: { plan: string; id?: string; wait?: boolean; json?: boolean }) => {
    const { input, plan } = await readPlanFile(o.plan);
    const client = await connectClient();
    const workflowId = o.id ?? `regenesis-${plan.name}-${Date.now()}`;
    const handle = await client.workflow.start(regenesisWorkflow, {
      taskQueue: config.taskQueue,
      workflowId,
      args: [input],
      ...startMetadata(plan),
    });
    await followStarted(handle, workflowId, o);
  });

program
  .command('status')
  .description('show a run: its checklist, progress, the pending human step and the command for it')
  .argument('<workflowId>')
  .option('--json', 'print machine-readable JSON')
  .action(async (workflowId: string, o: { json?: boolean }) => {
    const client = await connectClient();
    await printStatus(client.workflow.getHandle(workflowId), workflowId, { json: o.json ?? false });
  });

program
  .command('watch')
  .description('follow a run live until it ends: checklist, export progress with rate and ETA, the epoch awaited, the pending human step')
  .argument('<workflowId>')
  .option('--json', 'one JSON object per change, for machines')
  .option('--interval <seconds>', 'seconds between readings', '1')
  .action(async (workflowId: string, o: { json?: boolean; interval: string }) => {
    const client = await connectClient();
    const handle = client.workflow.getHandle(workflowId);
    const last = await watchRun(handle, workflowId, { mode: watchModeOf(o.json), intervalMs: Number(o.interval) * 1000 });
    if (last.execution !== 'COMPLETED') {
      process.exitCode = 1;
      return;
    }
    await printOutcome(handle, workflowId, { json: o.json, print: !o.json });
  });

addControlCommands(program);

const schedule = program.command('schedule').description('the annual regenesis: a Temporal Schedule of proposal runs');
schedule
  .command('create')
  .argument('<scheduleId>')
  .requiredOption('--plan <file>', 'plan JSON with a relative genesis.startTime ({"afterFreezeSeconds": N})')
  .option('--every <interval>', 'interval between runs', DEFAULT_INTERVAL)
  .option('--paused', 'create it paused')
  .action(async (scheduleId: string, o: { plan: string; every: string; paused?: boolean }) => {
    const { input } = await readPlanFile(o.plan);
    const client = await connectClient();
    await createRegenesisSchedule(client, { scheduleId, plan: input as PlanInput, every: o.every, paused: o.paused });
    console.log(`created schedule ${scheduleId} (every ${o.every}, overlap skip)`);
  });
schedule
  .command('describe')
  .argument('<scheduleId>')
  .action(async (scheduleId: string) => {
    const client = await connectClient();
    console.log(JSON.stringify(summarizeSchedule(await client.schedule.getHandle(scheduleId).describe()), null, 2));
  });
for (const [name, what] of [
  ['pause', 'pause the schedule'],
  ['unpause', 'resume the schedule'],
  ['trigger', 'start a proposal run now'],
  ['delete', 'delete the schedule (runs already started continue)'],
] as const) {
  schedule
    .command(name)
    .description(what)
    .argument('<scheduleId>')
    .action(async (scheduleId: string) => {
      const handle = (await connectClient()).schedule.getHandle(scheduleId);
      if (name === 'pause') await handle.pause('paused from the CLI');
      else if (name === 'unpause') await handle.unpause('unpaused from the CLI');
      else if (name === 'trigger') await handle.trigger();
      else await handle.delete();
      console.log(`${name}: ${scheduleId}`);
    });
}

program
  .command('emergency')
  .description('emergency regenesis: halt the network, export at the last good height, mandatory rehearsal')
  .requiredOption('--plan <file>', 'plan JSON (its target is replaced by the last good height)')
  .requiredOption('--last-good-height <n>', 'block height of the last good state')
  .option('--id <workflowId>', 'workflow ID')
  .option('--wait', 'wait for the result and print it')
  .option('--json', 'print machine-readable JSON')
  .action(async (o: { plan: string; lastGoodHeight: string; id?: string; wait?: boolean; json?: boolean }) => {
    const lastGoodHeight = Number(o.lastGoodHeight);
    if (!Number.isSafeInteger(lastGoodHeight) || lastGoodHeight < 0) {
      throw new PlanError(`--last-good-height: ${o.lastGoodHeight} is not a block height`, [{ field: '--last-good-height', message: 'not a block height' }]);
    }
    const { input, plan } = await readPlanFile(o.plan);
    const client = await connectClient();
    const workflowId = o.id ?? `emergency-${plan.name}-${Date.now()}`;
    const handle = await client.workflow.start(emergencyRegenesisWorkflow, {
      taskQueue: config.taskQueue,
      workflowId,
      args: [{ plan: input, lastGoodHeight }],
      ...startMetadata({ ...plan, kind: 'emergency', target: { height: lastGoodHeight } }),
    });
    await followStarted(handle, workflowId, o);
  });

program
  .command('demo')
  .description(
    'run a whole regenesis on an embedded default: Temporal dev server + a local geth chain it fills, or (--network avalanchego) five avalanchego validators migrated by their agents',
  )
  .addOption(new Option('--keep', 'keep the Temporal dev server and Web UI running after the run (Ctrl-C to stop)'))
  .addOption(
    new Option('--network <kind>', 'geth: one filled geth chain; avalanchego: five validators, an API node and their agents')
      .choices(['geth', 'avalanchego'])
      .default('geth'),
  )
  .option('--json', 'print machine-readable JSON')
  .action(async (o: { keep?: boolean; json?: boolean; network: 'geth' | 'avalanchego' }) => {
    const common = { keep: o.keep ?? false, json: o.json ?? false };
    // Only what this demo drives is built (the first time): the geth demo needs no avalanchego.
    ensureTools(o.network === 'avalanchego' ? ['temporal', 'avalanchego'] : ['temporal', 'geth'], `the ${o.network} demo`);
    const { portOrFree, runDemo } = await import('./demo.js');
    process.exitCode =
      o.network === 'avalanchego'
        ? await (await import('./demoAvalanche.js')).runAvalancheDemo({ ...common, port: await portOrFree(7233), uiPort: await portOrFree(8233) })
        : await runDemo(common);
  });

/** After a start: its ID, or with --wait the run followed to its end (live on a terminal) and its result. */
async function followStarted(handle: WorkflowHandleWithFirstExecutionRunId, workflowId: string, o: { wait?: boolean; json?: boolean }): Promise<void> {
  if (!o.wait) {
    console.log(o.json ? JSON.stringify({ workflowId, runId: handle.firstExecutionRunId }) : `started ${workflowId}`);
    return;
  }
  if (!o.json && process.stdout.isTTY) await watchRun(handle, workflowId, { mode: 'tty' });
  await printOutcome(handle, workflowId, { json: o.json, print: true });
}

/** Prints a closed run's result; the exit code says whether it completed with a new genesis. */
async function printOutcome(handle: WorkflowHandle, workflowId: string, o: { json?: boolean; print: boolean }): Promise<void> {
  const result = (await handle.result()) as RegenesisResult;
  if (o.print) printResult(result, { json: o.json ?? false, workflowId });
  process.exitCode = result.status === 'Completed' ? 0 : 1;
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof PlanError) {
    console.error(`invalid plan: ${err.message}`);
  } else if (err instanceof WorkflowFailedError) {
    const cause = err.cause as Error | undefined;
    console.error(`run failed: ${cause?.message ?? err.message}`);
  } else {
    console.error(err instanceof Error ? err.message : String(err));
  }
  process.exitCode = 2;
});
