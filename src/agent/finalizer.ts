import type { JsonPatchOperation, KubeObject } from '../objects.js';
import { isJsonObject, refOf } from '../objects.js';
import { GITSYNC_FINALIZER } from '../well-known.js';
import { isPatchTestFailure, ConflictError, NotFoundError, type KubeClient } from '../kube/index.js';
import { DEFAULT_SETTINGS, pruneAll, readInventory, SyncReason, type SyncOutcome } from '../sync/index.js';
import { counted } from '../text.js';
import { isSuspended } from './requests.js';

export function hasFinalizer(gitsync: KubeObject): boolean {
  return (gitsync.metadata.finalizers ?? []).includes(GITSYNC_FINALIZER);
}

/** `metadata.deletionTimestamp` is set: the API server waits for the finalizers to go. */
export function isBeingDeleted(gitsync: KubeObject): boolean {
  return Boolean(gitsync.metadata.deletionTimestamp);
}

/**
 * Puts ferry's finalizer on a GitSync, guarded by its resourceVersion (a merge patch would
 * replace the whole list and drop another controller's finalizer added meanwhile). Returns the
 * updated GitSync, or undefined when it changed in between (the next run tries again).
 */
export async function addFinalizer(client: KubeClient, gitsync: KubeObject): Promise<KubeObject | undefined> {
  const operations: JsonPatchOperation[] = [
    { op: 'test', path: '/metadata/resourceVersion', value: gitsync.metadata.resourceVersion },
    gitsync.metadata.finalizers ? { op: 'add', path: '/metadata/finalizers/-', value: GITSYNC_FINALIZER } : { op: 'add', path: '/metadata/finalizers', value: [GITSYNC_FINALIZER] },
  ];
  try {
    return await client.jsonPatch(refOf(gitsync), operations);
  } catch (error) {
    if (isPatchTestFailure(error) || error instanceof ConflictError) return undefined;
    throw error;
  }
}

/**
 * Removes ferry's finalizer, testing the entry it removes (not the resourceVersion: a status
 * write in between must not make the removal fail). The last finalizer gone, the API server
 * deletes the GitSync.
 */
export async function removeFinalizer(client: KubeClient, gitsync: KubeObject): Promise<void> {
  let current: KubeObject | null = gitsync;
  for (let attempt = 0; current && attempt < 3; attempt++) {
    const index = (current.metadata.finalizers ?? []).indexOf(GITSYNC_FINALIZER);
    if (index < 0) return;
    try {
      await client.jsonPatch(refOf(current), [
        { op: 'test', path: `/metadata/finalizers/${index}`, value: GITSYNC_FINALIZER },
        { op: 'remove', path: `/metadata/finalizers/${index}` },
      ]);
      return;
    } catch (error) {
      if (error instanceof NotFoundError) return;
      if (!isPatchTestFailure(error)) throw error;
      current = await client.getOrNull(refOf(current));
    }
  }
}

/**
 * Who prunes a deleted GitSync's objects: the sync's own identity (an impersonating client), or
 * nobody when its service account no longer exists — as Flux does, the objects then stay (a
 * namespace being deleted takes them along) rather than the GitSync hanging on its finalizer.
 */
export type PruneIdentity = { client: KubeClient } | { missing: string };

/** How the deletion of a GitSync went. */
export type Finalization =
  /** Its finalizer is removed: the GitSync is gone. `message` says what was pruned, if anything. */
  | { done: true; pruned: boolean; message: string }
  /** Objects could not be pruned: the finalizer stays, and a retry follows. */
  | { done: false; outcome: SyncOutcome };

/**
 * The deletion of a GitSync that carries ferry's finalizer, as Flux and Argo CD do it: with
 * `spec.prune: true` (the default) everything it applied is pruned and its history removed, then
 * the finalizer goes; with `prune: false`, or while it is suspended (hands off), only the
 * finalizer goes and the objects stay.
 */
export async function finalizeGitSync(client: KubeClient, gitsync: KubeObject, signal: AbortSignal, actingAs: PruneIdentity = { client }): Promise<Finalization> {
  const spec = isJsonObject(gitsync.spec) ? gitsync.spec : {};
  const prune = typeof spec.prune === 'boolean' ? spec.prune : DEFAULT_SETTINGS.prune;
  if (!prune || isSuspended(gitsync) || 'missing' in actingAs) {
    await removeFinalizer(client, gitsync);
    const why = 'missing' in actingAs ? `its service account ${actingAs.missing} is gone, so nothing may be pruned in its name` : isSuspended(gitsync) ? 'suspended' : 'prune is off';
    return { done: true, pruned: false, message: `${why}: the objects it applied stay on the cluster` };
  }
  const started = Date.now();
  const namespace = gitsync.metadata.namespace ?? 'default';
  // A long inventory is summarized in status: its list comes from the history entry it points to.
  const inventory = await readInventory(client, namespace, gitsync.metadata.name, isJsonObject(gitsync.status) ? gitsync.status : undefined);
  const result = await pruneAll(actingAs.client, { namespace, name: gitsync.metadata.name, inventory, signal });
  if (result.failure !== undefined) {
    return {
      done: false,
      outcome: {
        result: 'Failed',
        reason: SyncReason.PruneFailed,
        message: `the GitSync is being deleted, but what it applied cannot be pruned: ${result.failure}; it stays until that succeeds (or its ${GITSYNC_FINALIZER} finalizer is removed by hand)`,
        changes: result.entries,
        drift: [],
        driftCorrected: false,
        inventory,
        history: [],
        startedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
      },
    };
  }
  await removeFinalizer(client, gitsync);
  const deleted = result.entries.filter((entry) => entry.action === 'deleted').length;
  const skipped = result.entries.filter((entry) => entry.action === 'skipped').length;
  return {
    done: true,
    pruned: true,
    message: `pruned ${counted(deleted, 'object')}${skipped > 0 ? ` (${counted(skipped, 'object')} no longer its own or marked not to prune left alone)` : ''} and removed ${counted(result.historyRemoved, 'history entry', 'history entries')}`,
  };
}


