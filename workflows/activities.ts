import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { policies } from '../activities/policies.js';

/**
 * Activity stubs, one per retry policy (the policies live beside the activities, in policies.ts).
 * Each stub reaches only the activities its policy was written for, so no step can call an
 * activity under another's timeouts and retries.
 */
const group = <K extends keyof Activities>(options: (typeof policies)[keyof typeof policies]) => proxyActivities<Pick<Activities, K>>(options);

export const preflight = group<'preflightEvm'>(policies.preflight);
export const chainRead = group<'epochStatus' | 'freezeBlock' | 'haltedPChainHeight' | 'finalHeads' | 'oldValidators'>(policies.chainRead);
export const exporter = group<'exportPartition' | 'exportAnvil' | 'exportCDelta'>(policies.exportPartition);
export const chainExporter = group<'discoverAddresses' | 'exportPChain' | 'exportXChain' | 'exportQChain'>(policies.exportChain);
export const genesisWriter = group<'buildGenesis' | 'buildPrimaryGenesis'>(policies.genesis);
export const verifier = group<'verifyEvm' | 'missingOwners'>(policies.verify);
export const rehearsal = group<'rehearseEvm' | 'rehearsePrimary'>(policies.rehearse);
export const postLaunch = group<'postVerifyNetwork' | 'postVerifyPrimaryNetwork' | 'canaryTransfers'>(policies.postLaunch);
export const reporter = group<'publishReport' | 'publishLaunchReport'>(policies.report);
export const operator = group<'haltOldNetwork' | 'launchNewNetwork'>(policies.operator);
export const keys = group<'checkGenesisStakers' | 'verifyValidatorKeys' | 'verifyRatification' | 'aggregateRatification' | 'verifyApproval'>(policies.keys);
export const compensation = group<'discardArtifacts' | 'discardNewNetwork' | 'resumeOldNetwork' | 'stopRehearsal'>(policies.compensation);
