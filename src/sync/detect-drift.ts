import type { KubeObject } from '../objects.js';
import { objectKey, refOf } from '../objects.js';
import type { ChangeEntry } from '../apply/index.js';
import type { HistoryEntry } from '../history/index.js';
import { assessSnapshot } from '../health/index.js';
import { SyncReason, type DriftedObject, type SyncOutcome } from './outcome.js';
import { driftMessage, unchangedMessage } from './messages.js';
import { finish, type OutcomeFields, type ReconcileRun } from './run.js';
import { applyRevision } from './apply-revision.js';
import { waitHealthy } from './wait-healthy.js';
import type { Decision } from './decide.js';
import { cancelled, isCancelled } from './cancel.js';
import { withoutHooks } from './helm-hooks.js';
import { collectedJobs, leaveOut } from './finished-jobs.js';

/**
 * The drift step, when nothing new arrived: does the cluster still match what was applied? Drift
 * is reported (self-heal off, or a dry run) or corrected and waited for; either way no history
 * entry is written, because the revision on the cluster stays the same.
 */
export async function detectDrift(run: ReconcileRun, decision: Decision & { isNew: false }): Promise<SyncOutcome> {
  const { settings, options } = run;
  const { desired, base, latest, heldBack } = decision;
  // Helm hooks ran for their release: neither drift nor state to correct.
  const tracked = withoutHooks(desired.objects);
  const check = await applyRevision(run, tracked, base, { diffOnly: true });
  // A finished Job the TTL controller removed is gone on purpose: no drift, not created again.
  const live = check.live;
  const collected = live ? collectedJobs(tracked, base, (key) => !live.has(key)) : new Set<string>();
  const toWrite = leaveOut(tracked, collected);
  const entries = [...toWrite.skipped, ...check.entries.filter((entry) => !collected.has(objectKey(entry.ref)))];
  const drift = driftOf(entries, latest.objects);
  const common = commonFields(decision, latest, drift);
  if (check.error) return finish(run, { ...common, result: 'Failed', reason: SyncReason.ApplyFailed, message: check.error.message, changes: check.entries });
  // Health as the same read found it: a workload that crash-loops later turns the sync unhealthy
  // at the next poll, not only when something is written.
  const observed = live ? assessSnapshot(toWrite.objects.map(refOf), live) : undefined;
  const health = observed ? { health: observed.overall, healthDetails: observed } : {};
  if (drift.length === 0 && entries.every((e) => e.action === 'unchanged' || collected.has(objectKey(e.ref)))) {
    return finish(run, { ...common, ...health, result: 'Unchanged', reason: heldBack ?? SyncReason.Unchanged, message: unchangedMessage(desired.revision, heldBack, decision.revision), changes: entries });
  }
  if ((!settings.selfHeal && !options.correctDrift) || options.dryRun) {
    return finish(run, { ...common, ...health, result: options.dryRun ? 'DryRun' : 'Drifted', reason: options.dryRun ? SyncReason.DryRun : SyncReason.DriftDetected, message: driftMessage(drift), changes: entries });
  }

  // Self-heal: apply the same revision again and wait for it.
  const cancelledWith = (changes: ChangeEntry[]) =>
    cancelled(run, { during: 'drift correction', revision: decision.revision, changes, objects: [desired.objects], history: decision.summaries });
  if (isCancelled(run)) return cancelledWith([]);
  const healed = await applyRevision(run, toWrite.objects, base);
  if (isCancelled(run)) return cancelledWith(healed.entries);
  if (healed.error) return finish(run, { ...common, result: 'Failed', reason: SyncReason.ApplyFailed, message: healed.error.message, changes: healed.entries });
  const waited = await waitHealthy(run, toWrite.objects);
  if (isCancelled(run)) return cancelledWith(healed.entries);
  return finish(run, {
    ...common,
    result: waited.healthy ? 'Synced' : 'Failed',
    reason: waited.healthy ? SyncReason.DriftCorrected : SyncReason.HealthCheckFailed,
    message: waited.healthy ? `corrected drift: ${driftMessage(drift)}` : waited.overall.message,
    changes: [...toWrite.skipped, ...healed.entries],
    driftCorrected: true,
    health: waited.overall,
    healthDetails: waited,
  });
}

/** What every outcome of the drift step says about revisions, inventory and history. */
function commonFields(decision: Decision, latest: HistoryEntry, drift: DriftedObject[]): Omit<OutcomeFields, 'result' | 'reason' | 'message'> {
  return {
    revision: decision.revision,
    appliedRevision: latest.revision,
    ...(decision.lastGoodRevision ? { lastGoodRevision: decision.lastGoodRevision } : {}),
    ...(decision.heldBack === SyncReason.KnownFailedRevision ? { failedRevision: decision.revision } : {}),
    inventory: decision.desired.objects.map(refOf),
    history: decision.summaries,
    drift,
  };
}

/** Objects that were applied before and whose live state no longer matches: drift. */
export function driftOf(entries: ChangeEntry[], applied: KubeObject[]): DriftedObject[] {
  const appliedKeys = new Set(applied.map((object) => objectKey(refOf(object))));
  const drift: DriftedObject[] = [];
  for (const entry of entries) {
    if (!appliedKeys.has(objectKey(entry.ref)) || !entry.diff) continue;
    if (entry.diff.action === 'create') drift.push({ ref: entry.ref, change: 'deleted', paths: [] });
    else if (entry.diff.action === 'changed') drift.push({ ref: entry.ref, change: 'changed', paths: entry.diff.paths });
  }
  return drift;
}
