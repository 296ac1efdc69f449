import { refOf } from '../objects.js';
import type { ChangeEntry } from '../apply/index.js';
import type { FerryError } from '../errors.js';
import type { WaitResult } from '../health/index.js';
import { findLastGood, type HistoryEntry } from '../history/index.js';
import { SyncReason, type SyncOutcome } from './outcome.js';
import { shortRevision } from './messages.js';
import { finish, type ReconcileRun } from './run.js';
import { historyErrorOf, recordEntry, revisionEntry } from './record.js';
import { rollBack } from './roll-back.js';
import type { Decision } from './decide.js';
import { cancelled, isCancelled } from './cancel.js';

/** Why a revision failed, and what was done before it did. */
export interface RevisionFailure {
  reason: SyncReason;
  message: string;
  changes: ChangeEntry[];
  health?: WaitResult;
}

/**
 * The server refused the revision before anything was written: the cluster still holds what it
 * held, so there is nothing to roll back and nothing to record — the next poll tries again (a
 * conflict while validating passes then; a real error is reported again).
 */
export function refuseRevision(run: ReconcileRun, decision: Decision, error: FerryError, changes: ChangeEntry[]): SyncOutcome {
  const { latest, lastGoodRevision, summaries, base } = decision;
  run.logger.warn({ desiredRevision: decision.desired.revision, err: error.message }, 'revision refused before any write');
  return finish(run, {
    result: 'Failed',
    reason: SyncReason.ApplyFailed,
    message: `${error.message} (nothing was written; tried again on the next poll)`,
    revision: decision.revision,
    ...(latest ? { appliedRevision: latest.revision } : {}),
    ...(lastGoodRevision ? { lastGoodRevision } : {}),
    changes,
    inventory: base.map(refOf),
    history: summaries,
  });
}

/**
 * A revision failed: record it — partly applied, it is the base of whatever comes next, and it
 * is not tried again until Git moves on — then roll back to the last good revision.
 */
export async function failRevision(run: ReconcileRun, decision: Decision, failure: RevisionFailure): Promise<SyncOutcome> {
  const { settings, logger } = run;
  const { desired, summaries, lastGoodRevision } = decision;
  logger.warn({ desiredRevision: desired.revision, reason: failure.reason, err: failure.message }, 'revision failed');
  if (decision.resumesRollbackFrom) return failResumedRollback(run, decision, decision.resumesRollbackFrom, failure);
  const recorded = await recordEntry(run, revisionEntry(run, decision, 'Failed', failure.message), summaries);
  const lastGood = settings.rollback ? await lastGoodEntry(run, decision) : undefined;
  const common = {
    revision: decision.revision,
    failedRevision: desired.revision,
    changes: failure.changes,
    ...(failure.health ? { health: failure.health.overall, healthDetails: failure.health } : {}),
    ...(lastGoodRevision ? { lastGoodRevision } : {}),
  };
  if (isCancelled(run)) return cancelled(run, { during: 'rollback', revision: decision.revision, changes: failure.changes, objects: [decision.base, desired.objects], history: recorded.history });
  if (!lastGood || lastGood.revision === desired.revision) {
    const why = !settings.rollback ? 'rollback is disabled' : 'no earlier good revision to roll back to';
    return finish(run, { ...common, result: 'Failed', reason: failure.reason, message: `${failure.message} (${why})`, appliedRevision: desired.revision, inventory: desired.objects.map(refOf), history: recorded.history, ...historyErrorOf(recorded) });
  }
  return rollBack(run, decision, { failure, lastGood, common, recorded });
}

/** Finishing a cut-short rollback failed: recorded as a failed rollback, with nowhere further to go. */
async function failResumedRollback(run: ReconcileRun, decision: Decision, from: string, failure: RevisionFailure): Promise<SyncOutcome> {
  const { desired, summaries } = decision;
  const recorded = await recordEntry(run, revisionEntry(run, decision, 'Failed', failure.message), summaries);
  return finish(run, {
    result: 'Failed',
    reason: SyncReason.RollbackFailed,
    message: `revision ${shortRevision(from)} failed before, and finishing its rollback to ${shortRevision(desired.revision)} failed: ${failure.message}`,
    revision: decision.revision,
    failedRevision: from,
    appliedRevision: desired.revision,
    changes: failure.changes,
    ...(failure.health ? { health: failure.health.overall, healthDetails: failure.health } : {}),
    ...(decision.lastGoodRevision ? { lastGoodRevision: decision.lastGoodRevision } : {}),
    inventory: desired.objects.map(refOf),
    history: recorded.history,
    ...historyErrorOf(recorded),
  });
}

/** Where a rollback goes: the newest good entry, read once (it is often the newest entry, read already). */
async function lastGoodEntry(run: ReconcileRun, decision: Decision): Promise<HistoryEntry | undefined> {
  const good = findLastGood(decision.summaries);
  if (!good) return undefined;
  if (decision.latest?.number === good.number) return decision.latest;
  return run.history.get(good.number).catch(() => undefined);
}
