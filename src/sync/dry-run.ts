import { refOf } from '../objects.js';
import { pruneCandidates, type ChangeEntry } from '../apply/index.js';
import { SyncReason, type SyncOutcome } from './outcome.js';
import { shortRevision } from './messages.js';
import { finish, type ReconcileRun } from './run.js';
import { applyRevision } from './apply-revision.js';
import type { Decision } from './decide.js';
import { cancelled, isCancelled } from './cancel.js';
import { leaveOutCollectedJobs } from './finished-jobs.js';

/** The dry-run step: the whole revision validated by the server, with what prune would delete; nothing written. */
export async function dryRunRevision(run: ReconcileRun, decision: Decision): Promise<SyncOutcome> {
  const { desired, base } = decision;
  const toWrite = await leaveOutCollectedJobs(run, desired.objects, base);
  const planned = await applyRevision(run, toWrite.objects, base, { dryRun: true, ...(desired.sources ? { sources: desired.sources } : {}) });
  if (isCancelled(run)) return cancelled(run, { during: 'dry run', revision: decision.revision, history: decision.summaries });
  const prunable = run.settings.prune ? pruneCandidates(base, desired.objects, run.settings.inventory).map(refOf) : [];
  const pruned: ChangeEntry[] = prunable.map((ref) => ({ ref, action: 'deleted', message: 'would be pruned' }));
  return finish(run, {
    result: planned.error ? 'Failed' : 'DryRun',
    reason: planned.error ? SyncReason.ApplyFailed : SyncReason.DryRun,
    message: planned.error?.message ?? `dry run of ${shortRevision(desired.revision)}: nothing written`,
    revision: decision.revision,
    changes: [...toWrite.skipped, ...planned.entries, ...pruned],
    inventory: desired.objects.map(refOf),
    history: decision.summaries,
  });
}
