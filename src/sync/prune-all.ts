import type { KubeObject, ObjectRef } from '../objects.js';
import { objectKey, refOf } from '../objects.js';
import { describeError } from '../errors.js';
import { describeFailures, pruneObjects, syncId, type ApplyClient, type ChangeEntry } from '../apply/index.js';
import { HistoryStore, type HistoryClient } from '../history/index.js';

/** What pruning everything of a sync did. */
export interface PruneAllResult {
  /** One entry per object looked at: deleted, skipped (taken over, `ferry.dev/prune: "false"`) or failed. */
  entries: ChangeEntry[];
  /** History entries removed (only once every object is pruned). */
  historyRemoved: number;
  /** Why it is not done; absent when everything the sync owned is gone. */
  failure?: string;
}

export interface PruneAllRequest {
  namespace: string;
  name: string;
  /** The sync's status inventory: found even when the history entry that applied them is lost. */
  inventory: ObjectRef[];
  signal?: AbortSignal;
}

/**
 * What deleting a GitSync with `prune: true` does: deletes every object it owns — those of the
 * last applied revision (its newest history entry) and those its status inventory lists — in
 * reverse dependency order, through the same prune as a sync (only objects still labelled as this
 * sync's, never one marked `ferry.dev/prune: "false"`), and then its history Secrets. A failure
 * leaves the history in place, so that a retry still knows what to prune.
 */
export async function pruneAll(client: ApplyClient & HistoryClient, request: PruneAllRequest): Promise<PruneAllResult> {
  const history = new HistoryStore(client, request.namespace, request.name);
  try {
    const latest = await history.latest();
    const owned = new Map<string, KubeObject>();
    for (const object of latest?.objects ?? []) owned.set(objectKey(refOf(object)), object);
    for (const ref of request.inventory) {
      const key = objectKey(ref);
      if (!owned.has(key)) owned.set(key, stubOf(ref));
    }
    const entries = await pruneObjects(client, {
      sync: syncId(request.namespace, request.name),
      previous: [...owned.values()],
      desired: [],
      allowEmpty: true,
      ...(request.signal ? { signal: request.signal } : {}),
    });
    if (entries.some((entry) => entry.action === 'failed')) return { entries, historyRemoved: 0, failure: describeFailures(entries) };
    if (request.signal?.aborted) return { entries, historyRemoved: 0, failure: 'cancelled before every object was pruned' };
    return { entries, historyRemoved: await history.deleteAll() };
  } catch (error) {
    return { entries: [], historyRemoved: 0, failure: describeError(error) };
  }
}

/** Enough of an object to find and delete it. */
function stubOf(ref: ObjectRef): KubeObject {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } };
}
