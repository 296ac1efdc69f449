import type { JsonPatchOperation, KubeObject } from '../objects.js';
import { GITSYNC_API_VERSION, GITSYNC_KIND, SHARD_OWNER_ANNOTATION } from '../well-known.js';
import { ConflictError, NotFoundError, isPatchTestFailure, type KubeClient } from '../kube/index.js';

/**
 * The per-GitSync lock of a sharded agent: the `ferry.dev/owner` annotation names the replica
 * that alone may reconcile the GitSync. Every take and release is a JSON Patch led by a `test`
 * of the resourceVersion it was decided on, so of two replicas that both think a GitSync is
 * theirs (their views of the members differ for a moment) only one gets it.
 */

/** The replica holding the GitSync's lock (undefined when none does). */
export function shardOwnerOf(gitsync: KubeObject): string | undefined {
  const owner = gitsync.metadata.annotations?.[SHARD_OWNER_ANNOTATION];
  return owner ? owner : undefined;
}

/**
 * Takes the lock for `identity` on the GitSync as read (the caller decided the lock was free or
 * its holder gone). Returns the GitSync as written, or undefined when another write came first.
 */
export async function takeShardLock(client: KubeClient, gitsync: KubeObject, identity: string): Promise<KubeObject | undefined> {
  const operations: JsonPatchOperation[] = [
    { op: 'test', path: '/metadata/resourceVersion', value: gitsync.metadata.resourceVersion },
    ...(gitsync.metadata.annotations ? [] : [{ op: 'add', path: '/metadata/annotations', value: {} } as JsonPatchOperation]),
    { op: 'add', path: `/metadata/annotations/${escapePointer(SHARD_OWNER_ANNOTATION)}`, value: identity },
  ];
  return guarded(() => client.jsonPatch(refOf(gitsync), operations));
}

/**
 * Releases the lock `identity` holds on the GitSync (read at the given resourceVersion), so the
 * replica it is assigned to now may take it at once. Undefined when it changed meanwhile.
 */
export async function releaseShardLock(client: KubeClient, gitsync: KubeObject, identity: string): Promise<KubeObject | undefined> {
  if (shardOwnerOf(gitsync) !== identity) return gitsync;
  return guarded(() =>
    client.jsonPatch(refOf(gitsync), [
      { op: 'test', path: '/metadata/resourceVersion', value: gitsync.metadata.resourceVersion },
      { op: 'remove', path: `/metadata/annotations/${escapePointer(SHARD_OWNER_ANNOTATION)}` },
    ]),
  );
}

async function guarded(write: () => Promise<KubeObject>): Promise<KubeObject | undefined> {
  try {
    return await write();
  } catch (error) {
    if (isPatchTestFailure(error) || error instanceof ConflictError || error instanceof NotFoundError) return undefined;
    throw error;
  }
}

function refOf(gitsync: KubeObject) {
  return { apiVersion: GITSYNC_API_VERSION, kind: GITSYNC_KIND, namespace: gitsync.metadata.namespace ?? 'default', name: gitsync.metadata.name };
}

/** RFC 6901: `~` and `/` in a JSON Pointer token. */
function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
