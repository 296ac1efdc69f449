import { SyncReason, type SyncOutcome } from './outcome.js';
import { beginRun, withRevision, type SyncDeps, type SyncOptions } from './run.js';
import type { SyncSettings } from './settings.js';
import { refuseLongNames } from './check-names.js';
import { fetchRevision } from './fetch-source.js';
import { renderRevision } from './render-source.js';
import { decide } from './decide.js';
import { refuseForeignNamespaces } from './refuse-foreign-namespaces.js';
import { detectDrift } from './detect-drift.js';
import { refuseEmptyRender, pruneRemoved } from './prune-removed.js';
import { dryRunRevision } from './dry-run.js';
import { applyRevision } from './apply-revision.js';
import { waitHealthy } from './wait-healthy.js';
import { deleteFinishedHooks } from './helm-hooks.js';
import { recordSuccess } from './record.js';
import { failRevision, refuseRevision } from './fail-revision.js';
import { shortRevision } from './messages.js';
import { leaveOutCollectedJobs } from './finished-jobs.js';
import { cancelled, isCancelled, type CancelledDuring } from './cancel.js';
import type { ChangeEntry } from '../apply/index.js';

/**
 * One reconcile of one sync, as a story: fetch the source, render it, decide what to apply
 * (the new revision, the pinned one, or — for a revision that already failed — what is on the
 * cluster now), apply it layer by layer, wait for health, prune, and record history. A revision
 * that fails is rolled back to the last good one. Nothing here loops or schedules: that is the
 * agent's job. Failures never throw: they come back as an outcome with a named reason. Once the
 * signal aborts, nothing more is written and the outcome is Cancelled, never a failure.
 */
export async function reconcile(settings: SyncSettings, deps: SyncDeps, options: SyncOptions = {}): Promise<SyncOutcome> {
  const begun = beginRun(settings, deps, options);

  // A name that cannot be a label value is refused before anything is read (NameTooLong).
  const misnamed = refuseLongNames(begun);
  if (misnamed) return misnamed;

  // Fetch the source: a failure here changes nothing and prunes nothing (SourceUnavailable).
  const fetched = await fetchRevision(begun);
  if (!fetched.ok) return fetched.outcome;
  const run = withRevision(begun, fetched.value.revision, fetched.value.ref);

  // Render and validate: every problem is reported, nothing is applied (RenderFailed).
  const rendered = await renderRevision(run, fetched.value);
  if (!rendered.ok) return rendered.outcome;

  // Objects outside the GitSync's namespace need an identity whose RBAC bounds them, or the
  // agent's allow-list: refused before anything is read or written (TargetNamespaceRefused).
  const foreign = refuseForeignNamespaces(run, rendered.value.revision, rendered.value.objects);
  if (foreign) return foreign;

  // Decide what the cluster should hold: Git's revision, a pinned entry, or what it holds now.
  const decided = await decide(run, rendered.value);
  if (!decided.ok) return decided.outcome;
  const decision = decided.value;
  const { desired, base } = decision;
  const cancelledDuring = (during: CancelledDuring, changes: ChangeEntry[] = []) =>
    cancelled(run, { during, revision: decision.revision, changes, objects: [base, desired.objects], history: decision.summaries });

  // Nothing new arrived: report or correct drift (Unchanged, DriftDetected, DriftCorrected).
  if (!decision.isNew) return detectDrift(run, decision);

  // An empty render never prunes everything (PruneFailed, nothing touched).
  const refused = refuseEmptyRender(run, decision);
  if (refused) return refused;

  // A dry run: the server validates the whole revision, nothing is written (DryRun).
  if (options.dryRun) return dryRunRevision(run, decision);

  // Apply in dependency order (ApplyFailed). Refused before its first write (validation, a
  // conflict while validating), the revision changed nothing: no rollback, no history entry, and
  // the next poll asks the server again. From here on, an aborted signal stops the
  // reconcile where it is (Cancelled): no history entry, no rollback, retried on the next start.
  // A finished Job the TTL controller removed is left out: creating it again would run it again.
  const toWrite = await leaveOutCollectedJobs(run.deps.client, desired.objects, base);
  const applied = await applyRevision(run, toWrite.objects, base, desired.sources ? { sources: desired.sources } : {});
  const written = [...toWrite.skipped, ...applied.entries];
  if (isCancelled(run)) return cancelledDuring('apply', written);
  if (applied.error && !applied.wrote) return refuseRevision(run, decision, applied.error, written);
  if (applied.error) return failRevision(run, decision, { reason: SyncReason.ApplyFailed, message: applied.error.message, changes: written });

  // Wait until everything is healthy (HealthCheckFailed).
  const health = await waitHealthy(run, toWrite.objects);
  if (isCancelled(run)) return cancelledDuring('health wait', written);
  if (!health.healthy) {
    const message = `revision ${shortRevision(desired.revision)} did not become healthy: ${health.overall.message}`;
    const hooks = await deleteFinishedHooks(run, toWrite.objects, 'failed', health);
    return failRevision(run, decision, { reason: SyncReason.HealthCheckFailed, message, changes: [...written, ...hooks], health });
  }
  // Helm hooks whose delete policy is hook-succeeded go once the revision is healthy.
  written.push(...(await deleteFinishedHooks(run, toWrite.objects, 'succeeded', health)));

  // Prune what left Git, last and in reverse order (PruneFailed).
  const pruned = settings.prune ? await pruneRemoved(run, base, desired.objects, options.allowEmpty ? { allowEmpty: true } : {}) : { entries: [] };
  const changes = [...written, ...pruned.entries];
  if (isCancelled(run)) return cancelledDuring('prune', changes);
  if (pruned.failure) return failRevision(run, decision, { reason: SyncReason.PruneFailed, message: pruned.failure, changes, health });

  // Record the good revision: the next sync's base and where a later rollback goes (Synced).
  return recordSuccess(run, decision, changes, health);
}
