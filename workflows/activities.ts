import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { policies } from '../activities/policies.js';

/** Activity stubs, one per retry policy (the policies live beside the activities, in policies.ts). */
export const preflight = proxyActivities<Activities>(policies.preflight);
export const chainRead = proxyActivities<Activities>(policies.chainRead);
export const exporter = proxyActivities<Activities>(policies.exportPartition);
export const chainExporter = proxyActivities<Activities>(policies.exportChain);
export const genesisWriter = proxyActivities<Activities>(policies.genesis);
export const verifier = proxyActivities<Activities>(policies.verify);
export const rehearsal = proxyActivities<Activities>(policies.rehearse);
export const reporter = proxyActivities<Activities>(policies.report);
export const operator = proxyActivities<Activities>(policies.operator);
export const keys = proxyActivities<Activities>(policies.keys);
export const compensation = proxyActivities<Activities>(policies.compensation);
