import { refOf } from '../objects.js';
import type { ChangeEntry } from '../apply/index.js';
import { SyncReason, type SyncOutcome } from './outcome.js';
import { shortRevision } from './messages.js';
import { finish, type ReconcileRun } from './run.js';
import { applyRevision } from './apply-revision.js';
import type { Decision } from './decide.js';
import { cancelled, isCancelled } from './cancel.js';
import { leaveOutCollectedJobs } from './finished-jobs.js';
import { pruneRemoved } from './prune-removed.js';

/** The dry-run step: the whole revision validated by the server, with what prune would delete; nothing written. */
export async function dryRunRevision(run: ReconcileRun, decision: Decision): Promise<SyncOutcome> {
  const { desired, base } = decision;
  const toWrite = await leaveOutCollectedJobs(run.deps.client, desired.objects, base);
  const planned = await applyRevision(run, toWrite.objects, base, { dryRun: true, ...(desired.sources ? { sources: desired.sources } : {}) });
  if (isCancelled(run)) return cancelled(run, { during: 'dry run', revision: decision.revision, history: decision.summaries });
  // Prune's own checks, without its deletes: what is already gone, taken over, marked
  // ferry.dev/prune: "false" or a protected kind is announced as prune will treat it.
  const pruned = run.settings.prune && !planned.error ? await pruneRemoved(run, base, desired.objects, { dryRun: true }) : { entries: [] as ChangeEntry[] };
  const failure = planned.error?.message ?? pruned.failure;
  return finish(run, {
    result: failure ? 'Failed' : 'DryRun',
    reason: planned.error ? SyncReason.ApplyFailed : pruned.failure ? SyncReason.PruneFailed : SyncReason.DryRun,
    message: failure ?? `dry run of ${shortRevision(desired.revision)}: nothing written`,
    revision: decision.revision,
    changes: [...toWrite.skipped, ...planned.entries, ...pruned.entries],
    inventory: desired.objects.map(refOf),
    history: decision.summaries,
  });
}
