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

/**
 * The record step: writes one history entry. A failed write is logged and yields undefined —
 * the cluster state is what it is, and a history write failure must not turn it into a rollback.
 */
export async function recordEntry(run: ReconcileRun, entry: Omit<HistoryEntry, 'number'>): Promise<HistorySummary | undefined> {
  try {
    return await run.history.record(entry, run.settings.historyLimit);
  } catch (error) {
    run.logger.error({ err: describeError(error), entryRevision: entry.revision }, 'could not record history entry');
    return undefined;
  }
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
    const entry = await recordEntry(run, revisionEntry(run, decision, 'Succeeded', `rolled back from ${shortRevision(resumesRollbackFrom)}: finished a rollback that was cut short`));
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
      history: entry ? [...summaries, entry] : summaries,
    });
  }
  const message = heldBack === SyncReason.Pinned ? `pinned to history entry ${run.options.pinnedEntry}` : `applied ${counted(countWrites(changes), 'change')}`;
  const entry = await recordEntry(run, revisionEntry(run, decision, 'Succeeded', message));
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
    history: entry ? [...summaries, entry] : summaries,
  });
}
