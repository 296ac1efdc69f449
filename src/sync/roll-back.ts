import type { KubeObject } from '../objects.js';
import { objectKey, refOf } from '../objects.js';
import type { WaitResult } from '../health/index.js';
import type { HistoryEntry } from '../history/index.js';
import { SyncReason, type RollbackReport, type SyncOutcome } from './outcome.js';
import { shortRevision } from './messages.js';
import { finish, type OutcomeFields, type ReconcileRun } from './run.js';
import { applyRevision } from './apply-revision.js';
import { waitHealthy } from './wait-healthy.js';
import { pruneRemoved } from './prune-removed.js';
import { historyErrorOf, recordEntry, type RecordResult } from './record.js';
import type { Decision } from './decide.js';
import type { RevisionFailure } from './fail-revision.js';
import { cancelled, isCancelled } from './cancel.js';
import { leaveOutCollectedJobs } from './finished-jobs.js';
import { readBackEntry } from './read-back.js';

interface RollBackInput {
  failure: RevisionFailure;
  lastGood: HistoryEntry;
  /** What the outcome says whether or not the rollback works. */
  common: Omit<OutcomeFields, 'result' | 'reason' | 'message'>;
  /** Recording the failed revision: the history including its entry (when written). */
  recorded: RecordResult;
}

/**
 * The rollback step: applies the last good revision with the failed one as the base (so what it
 * added is removed again), waits for health, prunes, and records the rollback.
 */
export async function rollBack(run: ReconcileRun, decision: Decision, input: RollBackInput): Promise<SyncOutcome> {
  const { settings, logger } = run;
  const { failure, common, recorded } = input;
  const failed = decision.desired;
  const started = Date.now();
  // History keeps Secrets as digests: their values come from the good revision in Git again. A
  // revision that cannot be read back is not half rolled back: nothing is written, nothing recorded.
  const restored = await readBackEntry(run, input.lastGood);
  if (!restored.ok) {
    logger.warn({ to: input.lastGood.revision, err: restored.message }, 'rollback failed');
    return finish(run, {
      ...common,
      result: 'Failed',
      reason: SyncReason.RollbackFailed,
      message: `revision ${shortRevision(failed.revision)} failed (${failure.message}) and the rollback to ${shortRevision(input.lastGood.revision)} cannot run (nothing was rolled back): ${restored.message}`,
      appliedRevision: failed.revision,
      inventory: failed.objects.map(refOf),
      history: recorded.history,
      ...historyErrorOf(recorded),
    });
  }
  const lastGood = { ...input.lastGood, objects: restored.objects };
  run.emit({ type: 'rollback', from: failed.revision, to: lastGood.revision });

  // Cancelled half-way, the rollback is not recorded: the failed revision stays the newest entry.
  const cancelledWith = (changes: RollbackReport['changes']) =>
    cancelled(run, { during: 'rollback', revision: decision.revision, changes: [...failure.changes, ...changes], objects: [decision.base, failed.objects, lastGood.objects], history: recorded.history });
  const toWrite = await leaveOutCollectedJobs(run.deps.client, lastGood.objects, failed.objects);
  const applied = await applyRevision(run, toWrite.objects, failed.objects);
  if (isCancelled(run)) return cancelledWith(applied.entries);
  let changes = [...toWrite.skipped, ...applied.entries];
  let message = applied.error?.message ?? '';
  let health: WaitResult | undefined;
  if (!applied.error) {
    health = await waitHealthy(run, toWrite.objects);
    if (isCancelled(run)) return cancelledWith(changes);
    if (!health.healthy) message = health.overall.message;
    if (settings.prune) {
      // Remove what the failed revision (or the one before it) added that the good one lacks.
      const pruned = await pruneRemoved(run, mergeByKey(decision.base, failed.objects), lastGood.objects, { allowEmpty: true });
      changes = [...changes, ...pruned.entries];
      if (isCancelled(run)) return cancelledWith(changes);
      if (pruned.failure && !message) message = pruned.failure;
    }
  }
  const succeeded = !applied.error && Boolean(health?.healthy);
  const entry = await recordEntry(run, {
    revision: lastGood.revision,
    action: 'rollback',
    result: succeeded ? 'Succeeded' : 'Failed',
    time: new Date().toISOString(),
    durationMs: Date.now() - started,
    message: succeeded ? `rolled back from ${shortRevision(failed.revision)}: ${failure.message}` : message,
    objects: lastGood.objects,
    inventory: lastGood.inventory,
    rolledBackFrom: failed.revision,
    ...(lastGood.digest ? { digest: lastGood.digest } : {}),
  }, recorded.history);
  if (!succeeded) logger.warn({ to: lastGood.revision, err: message }, 'rollback failed');
  const report: RollbackReport = {
    from: failed.revision,
    to: lastGood.revision,
    changes,
    succeeded,
    message: succeeded ? `rolled back to ${shortRevision(lastGood.revision)}` : message,
    ...(health ? { health } : {}),
  };
  return finish(run, {
    ...common,
    result: succeeded ? 'RolledBack' : 'Failed',
    reason: succeeded ? SyncReason.RolledBack : SyncReason.RollbackFailed,
    message: succeeded
      ? `revision ${shortRevision(failed.revision)} failed (${failure.message}); rolled back to ${shortRevision(lastGood.revision)}`
      : `revision ${shortRevision(failed.revision)} failed (${failure.message}) and the rollback to ${shortRevision(lastGood.revision)} failed too: ${message}`,
    appliedRevision: lastGood.revision,
    lastGoodRevision: succeeded ? lastGood.revision : decision.lastGoodRevision ?? lastGood.revision,
    rollback: report,
    inventory: lastGood.objects.map(refOf),
    history: entry.history,
    ...historyErrorOf(recorded, entry),
  });
}

function mergeByKey(a: KubeObject[], b: KubeObject[]): KubeObject[] {
  const byKey = new Map<string, KubeObject>();
  for (const object of [...a, ...b]) byKey.set(objectKey(refOf(object)), object);
  return [...byKey.values()];
}
