import type { KubeObject } from '../objects.js';
import { objectKey, refOf } from '../objects.js';
import type { ChangeEntry } from '../apply/index.js';
import type { HistorySummary } from '../history/index.js';
import { SyncReason, type SyncOutcome } from './outcome.js';
import { shortRevision } from './messages.js';
import { finish, type ReconcileRun } from './run.js';

/**
 * True once the reconcile's signal aborted: the agent is shutting down (a rollout of ferry
 * itself, a node drain) or lost its Lease. From then on nothing is written — not the next
 * object, not a history entry, not a rollback: another replica, or this one after its restart,
 * picks up from what is on the cluster.
 */
export function isCancelled(run: ReconcileRun): boolean {
  return run.options.signal?.aborted === true;
}

/** Where the reconcile was when its signal aborted. */
export type CancelledDuring = 'fetch' | 'apply' | 'health wait' | 'prune' | 'drift correction' | 'rollback' | 'dry run';

/** What a cancelled reconcile knew when it stopped. */
export interface CancelledAt {
  during: CancelledDuring;
  revision?: string;
  /** What was written before the signal aborted (it stays written). */
  changes?: ChangeEntry[];
  /** The objects the cluster may hold now: those of the applied revision and of the new one. */
  objects?: KubeObject[][];
  history?: HistorySummary[];
}

/** The outcome of a reconcile whose signal aborted: `Cancelled`, not a failure. */
export function cancelled(run: ReconcileRun, at: CancelledAt): SyncOutcome {
  const what = at.revision ? `revision ${shortRevision(at.revision)}` : 'the reconcile';
  const written = (at.changes ?? []).filter((entry) => entry.action !== 'unchanged' && entry.action !== 'skipped' && entry.action !== 'failed').length;
  return finish(run, {
    result: 'Cancelled',
    reason: SyncReason.Cancelled,
    message: `${what} cancelled during the ${at.during}${written > 0 ? ` after ${written} write${written === 1 ? '' : 's'}` : ''}; nothing recorded, it is applied again on the next start`,
    ...(at.revision ? { revision: at.revision } : {}),
    changes: at.changes ?? [],
    inventory: union(at.objects ?? []).map(refOf),
    history: at.history ?? [],
  });
}

function union(sets: KubeObject[][]): KubeObject[] {
  const byKey = new Map<string, KubeObject>();
  for (const object of sets.flat()) byKey.set(objectKey(refOf(object)), object);
  return [...byKey.values()];
}
