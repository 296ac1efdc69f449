import { objectKey, refOf } from '../objects.js';
import { describeError } from '../errors.js';
import type { ChangeEntry } from '../apply/index.js';
import type { WaitResult } from '../health/index.js';
import type { HistoryEntry, HistorySummary } from '../history/index.js';
import { SyncReason, type SyncOutcome } from './outcome.js';
import { countWrites, describeCounts, shortRevision } from './messages.js';
import { counted } from '../text.js';
import { finish, type ReconcileRun } from './run.js';
import type { Decision } from './decide.js';

/** What the record step did: the history after it, and what went wrong writing it. */
export interface RecordResult {
  /** `known` plus the new entry when it was written. */
  history: HistorySummary[];
  /** Why the entry could not be written (too large, forbidden, a conflict), or old ones not removed. */
  error?: string;
}

/**
 * The record step: writes one history entry after the `known` summaries (no second list). A
 * failed write never turns into a rollback — the cluster state is what it is — but it is not
 * swallowed either: the outcome carries it (`historyError`), and the GitSync shows it as Stalled.
 */
export async function recordEntry(run: ReconcileRun, entry: Omit<HistoryEntry, 'number'>, known: HistorySummary[]): Promise<RecordResult> {
  try {
    const recorded = await run.history.record(entry, run.settings.historyLimit, known);
    if (recorded.pruneError) run.logger.warn({ err: recorded.pruneError.message }, 'could not remove old history entries');
    if (recorded.summary.objectsOmittedKiB !== undefined) run.logger.warn({ entry: recorded.summary.number, compressedKiB: recorded.summary.objectsOmittedKiB }, 'history entry kept without its objects: too large for one Secret');
    if (recorded.migrationError) run.logger.warn({ err: recorded.migrationError.message }, 'could not rewrite old history entries without Secret values');
    const errors = [recorded.pruneError, recorded.migrationError].filter((error) => error !== undefined).map((error) => error.message);
    return { history: [...known, recorded.summary], ...(errors.length > 0 ? { error: errors.join('; ') } : {}) };
  } catch (error) {
    run.logger.error({ err: describeError(error), entryRevision: entry.revision }, 'could not record history entry');
    return { history: known, error: describeError(error) };
  }
}

/** The outcome field for history errors of one reconcile (a failure and its rollback may both have one). */
export function historyErrorOf(...results: Array<RecordResult | undefined>): { historyError?: string } {
  const errors = results.map((result) => result?.error).filter((error): error is string => error !== undefined);
  return errors.length > 0 ? { historyError: errors.join('; ') } : {};
}

/** The entry for the revision this reconcile applied (as a sync, or as a pinned rollback). */
export function revisionEntry(run: ReconcileRun, decision: Decision, result: HistoryEntry['result'], message: string): Omit<HistoryEntry, 'number'> {
  const { desired } = decision;
  return {
    revision: desired.revision,
    action: decision.heldBack === SyncReason.Pinned || decision.resumesRollbackFrom ? 'rollback' : 'sync',
    ...(decision.resumesRollbackFrom ? { rolledBackFrom: decision.resumesRollbackFrom } : {}),
    result,
    time: new Date().toISOString(),
    durationMs: Date.now() - run.started,
    message,
    objects: desired.objects,
    inventory: desired.objects.map((o) => objectKey(refOf(o))),
    digest: desired.digest,
  };
}

/** A healthy revision: recorded as the base of the next sync and where a later rollback goes. */
export async function recordSuccess(run: ReconcileRun, decision: Decision, changes: ChangeEntry[], health: WaitResult): Promise<SyncOutcome> {
  const { desired, heldBack, summaries, resumesRollbackFrom } = decision;
  if (resumesRollbackFrom) {
    const recorded = await recordEntry(run, revisionEntry(run, decision, 'Succeeded', `rolled back from ${shortRevision(resumesRollbackFrom)}: finished a rollback that was cut short`), summaries);
    return finish(run, {
      result: 'RolledBack',
      reason: SyncReason.RolledBack,
      message: `revision ${shortRevision(resumesRollbackFrom)} failed before; finished its rollback to ${shortRevision(desired.revision)}`,
      revision: decision.revision,
      failedRevision: resumesRollbackFrom,
      appliedRevision: desired.revision,
      lastGoodRevision: desired.revision,
      changes,
      health: health.overall,
      healthDetails: health,
      inventory: desired.objects.map(refOf),
      history: recorded.history,
      ...historyErrorOf(recorded),
    });
  }
  const message = heldBack === SyncReason.Pinned ? `pinned to history entry ${run.options.pinnedEntry}` : `applied ${counted(countWrites(changes), 'change')}`;
  const recorded = await recordEntry(run, revisionEntry(run, decision, 'Succeeded', message), summaries);
  return finish(run, {
    result: 'Synced',
    reason: heldBack ?? SyncReason.Synced,
    message: `applied ${shortRevision(desired.revision)}: ${describeCounts(changes)}`,
    revision: decision.revision,
    appliedRevision: desired.revision,
    lastGoodRevision: desired.revision,
    changes,
    health: health.overall,
    healthDetails: health,
    inventory: desired.objects.map(refOf),
    history: recorded.history,
    ...historyErrorOf(recorded),
  });
}
