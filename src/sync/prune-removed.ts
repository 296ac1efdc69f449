import type { KubeObject } from '../objects.js';
import { refOf } from '../objects.js';
import { describeError } from '../errors.js';
import { describeFailures, pruneCandidates, pruneObjects, type ChangeEntry } from '../apply/index.js';
import { SyncReason, type SyncOutcome } from './outcome.js';
import { shortRevision } from './messages.js';
import { finish, type ReconcileRun } from './run.js';
import type { Decision } from './decide.js';

/** What the prune step did, and why it failed if it did. */
export interface PruneResult {
  entries: ChangeEntry[];
  failure?: string;
}

/**
 * The prune step: deletes what `previous` applied and `desired` no longer has, in reverse order;
 * with `dryRun`, reads and checks the same objects and deletes nothing.
 */
export async function pruneRemoved(run: ReconcileRun, previous: KubeObject[], desired: KubeObject[], options: { allowEmpty?: boolean; dryRun?: boolean } = {}): Promise<PruneResult> {
  try {
    const entries = await pruneObjects(run.deps.client, {
      sync: run.sync,
      previous,
      ...(run.settings.inventory ? { inventory: run.settings.inventory } : {}),
      desired,
      timeoutMs: run.settings.healthTimeoutMs,
      ...(run.options.pollIntervalMs ? { pollIntervalMs: run.options.pollIntervalMs } : {}),
      ...(options.allowEmpty ? { allowEmpty: true } : {}),
      ...(options.dryRun ? { dryRun: true } : {}),
      ...(run.options.signal ? { signal: run.options.signal } : {}),
      onEvent: (event) => run.emit({ type: 'apply', event }),
    });
    return entries.some((entry) => entry.action === 'failed') ? { entries, failure: describeFailures(entries) } : { entries };
  } catch (error) {
    return { entries: [], failure: describeError(error) };
  }
}

/**
 * An empty render is far more often a mistake (a moved directory) than an intent: it never
 * prunes everything, and it does not roll back either — nothing was touched.
 */
export function refuseEmptyRender(run: ReconcileRun, decision: Decision): SyncOutcome | undefined {
  const { desired, base, latest } = decision;
  if (desired.objects.length > 0 || !run.settings.prune || run.options.allowEmpty) return undefined;
  const prunable = pruneCandidates(base, desired.objects);
  if (prunable.length === 0) return undefined;
  return finish(run, {
    result: 'Failed',
    reason: SyncReason.PruneFailed,
    message: `revision ${shortRevision(desired.revision)} renders no objects; refusing to prune all ${prunable.length} objects of the previous revision (fix the sync path, or apply with --allow-empty)`,
    revision: decision.revision,
    ...(latest ? { appliedRevision: latest.revision } : {}),
    ...(decision.lastGoodRevision ? { lastGoodRevision: decision.lastGoodRevision } : {}),
    inventory: base.map(refOf),
    history: decision.summaries,
  });
}
