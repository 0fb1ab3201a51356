import { defineQuery, defineSignal } from '@temporalio/workflow';
import type {
  FreezePoint,
  GenesisManifest,
  PartitionManifest,
  PublishedReport,
  RehearsalReport,
  VerificationReport,
} from '../src/manifests.js';

/** Every message a regenesis run answers to, in one place (queries, signals; updates come here too). */

export type Phase =
  | 'validate'
  | 'preflight'
  | 'wait-epoch'
  | 'export'
  | 'genesis'
  | 'verify'
  | 'rehearse'
  | 'report'
  | 'completed'
  | 'rolling-back'
  | 'rolled-back';

export interface ChainProgress {
  partitionsTotal: number;
  partitionsDone: number;
  accountsExported: number;
}

export interface RegenesisStatus {
  phase: Phase;
  runKey?: string;
  epoch?: { target: number | null; current: number | null; headHeight: number | null };
  freeze?: FreezePoint;
  chains: Record<string, ChainProgress>;
  artifacts: string[];
  abortReason?: string;
}

export interface RegenesisCompleted {
  status: 'Completed';
  runKey: string;
  artifactsDir: string;
  freeze: FreezePoint;
  exports: PartitionManifest[];
  genesis: GenesisManifest;
  verification: VerificationReport;
  rehearsal?: RehearsalReport;
  report: PublishedReport;
}

export interface RegenesisRolledBack {
  status: 'RolledBack';
  runKey: string;
  failedPhase: Phase;
  reason: string;
  compensations: string[];
}

export type RegenesisResult = RegenesisCompleted | RegenesisRolledBack;

export const statusQuery = defineQuery<RegenesisStatus>('status');
export const abortSignal = defineSignal<[reason: string]>('abort');
