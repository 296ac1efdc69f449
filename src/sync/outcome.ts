import type { ObjectRef } from '../objects.js';
import type { ChangeEntry } from '../apply/index.js';
import type { HistorySummary } from '../history/index.js';
import type { Health, HealthSnapshot } from '../health/index.js';

/** How a reconcile ended. */
export type SyncResult =
  /** A new revision (or a drift correction) was applied and is healthy. */
  | 'Synced'
  /** Nothing to do: Git and the cluster agree. */
  | 'Unchanged'
  /** The cluster left Git and self-heal is off: reported, not corrected. */
  | 'Drifted'
  /** The revision failed and was rolled back to the last good one. */
  | 'RolledBack'
  /** The revision failed; nothing (or no rollback) could restore a good state. */
  | 'Failed'
  /** A dry run: everything computed and validated, nothing written. */
  | 'DryRun'
  /**
   * The reconcile's signal aborted (SIGTERM on a rollout of ferry itself or a node drain, or a
   * lost Lease): it stopped writing at once. Not a failure: no history entry, no rollback, and the
   * revision is applied again on the next start. What was written before the signal stays.
   */
  | 'Cancelled';

/** Named reasons, as they appear in GitSync conditions and events. */
export const SyncReason = {
  Synced: 'Synced',
  Unchanged: 'Unchanged',
  DriftDetected: 'DriftDetected',
  DriftCorrected: 'DriftCorrected',
  SourceUnavailable: 'SourceUnavailable',
  RenderFailed: 'RenderFailed',
  ApplyFailed: 'ApplyFailed',
  PruneFailed: 'PruneFailed',
  HealthCheckFailed: 'HealthCheckFailed',
  RolledBack: 'RolledBack',
  RollbackFailed: 'RollbackFailed',
  KnownFailedRevision: 'KnownFailedRevision',
  Pinned: 'Pinned',
  DryRun: 'DryRun',
  Cancelled: 'Cancelled',
  NameTooLong: 'NameTooLong',
  HistoryWriteFailed: 'HistoryWriteFailed',
  HistoryIncomplete: 'HistoryIncomplete',
  /** The source's scheme is one the agent does not fetch (file://, http:// without --allow-insecure-http). */
  SourceURLRefused: 'SourceURLRefused',
  /** A Secret or ConfigMap from another namespace, under --no-cross-namespace-refs. */
  CrossNamespaceRefRefused: 'CrossNamespaceRefRefused',
  /** Objects outside the GitSync's namespace and the agent's --allowed-target-namespaces. */
  TargetNamespaceRefused: 'TargetNamespaceRefused',
} as const;
export type SyncReason = (typeof SyncReason)[keyof typeof SyncReason];

/** One object whose live state left Git. */
export interface DriftedObject {
  ref: ObjectRef;
  change: 'changed' | 'deleted';
  /** Changed fields as JSON pointers (`/spec/replicas`). */
  paths: string[];
}

export interface RollbackReport {
  from: string;
  to: string;
  changes: ChangeEntry[];
  health?: HealthSnapshot;
  succeeded: boolean;
  message: string;
}

/** Everything one reconcile did and found: the agent writes status and alerts from it. */
export interface SyncOutcome {
  result: SyncResult;
  reason: SyncReason;
  /** One line for people: what happened, and for failures what to do. */
  message: string;
  /** The revision the source resolved to (commit SHA or directory content hash). */
  revision?: string;
  /** The Git ref that revision came from (`refs/heads/master`: with no ref set, the branch the remote's HEAD names). */
  sourceRef?: string;
  /** The revision whose objects are on the cluster after this reconcile. */
  appliedRevision?: string;
  lastGoodRevision?: string;
  failedRevision?: string;
  /** Objects applied this time, with what was done to each. */
  changes: ChangeEntry[];
  /** Objects whose live state had left Git before this reconcile. */
  drift: DriftedObject[];
  /** Whether the drift above was corrected. */
  driftCorrected: boolean;
  health?: Health;
  healthDetails?: HealthSnapshot;
  rollback?: RollbackReport;
  /** What the sync owns now. */
  inventory: ObjectRef[];
  history: HistorySummary[];
  /**
   * The history entry of this reconcile could not be written (too large, forbidden, a
   * conflict), or old entries not removed. The cluster state stands, but the next sync's base
   * and the rollback target may be stale: the agent shows it as a Stalled condition.
   */
  historyError?: string;
  /**
   * The newest history entry keeps no objects (they did not fit in one Secret): the revision is
   * recorded and not applied again, but a rollback to it cannot run. Shown as a Stalled condition.
   */
  historyIncomplete?: string;
  startedAt: string;
  durationMs: number;
}

/**
 * True when the outcome leaves a failed revision: it failed now (Failed, RolledBack) or it is
 * held back because it failed before (KnownFailedRevision). Commands exit non-zero for these, so
 * a pipeline never reports success while the cluster holds something other than what it pushed.
 */
export function isFailedRevision(outcome: Pick<SyncOutcome, 'result' | 'reason' | 'revision' | 'failedRevision'>): boolean {
  if (outcome.result === 'Failed' || outcome.result === 'RolledBack') return true;
  return outcome.reason === SyncReason.KnownFailedRevision || (outcome.failedRevision !== undefined && outcome.failedRevision === outcome.revision);
}
