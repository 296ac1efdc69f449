import type { KubeObject, ObjectRef } from '../objects.js';
import { objectKey, refOf } from '../objects.js';
import { SYNC_LABEL } from '../well-known.js';
import { ForbiddenError } from '../kube/index.js';
import type { ChangeEntry } from './changeset.js';
import type { ApplyClient } from './apply-request.js';
import { mapBounded } from './bounded.js';
import type { ResolvedObject } from './resolve.js';

/** Live objects by object key (`objectKey`); an object absent here does not exist yet. */
export type LiveObjects = ReadonlyMap<string, KubeObject>;

/** The live state read, and the objects the identity may not even read (failed entries naming them). */
export interface LiveRead {
  live: LiveObjects;
  denied: ChangeEntry[];
}

/**
 * Live objects someone already holds: the agent's watch cache of the objects ferry manages,
 * kept current by one label-selected watch per kind.
 */
export interface LiveCache {
  /** The object as last seen; undefined when the cache does not hold it (then the server is asked). */
  cached(ref: ObjectRef): KubeObject | undefined;
}

/**
 * Reads the live state of every served object. An object this sync applied before (it carries
 * the sync's label) comes from the cache when one is given: an unchanged poll asks the server
 * nothing. The rest is read from the server with one LIST per apiVersion, kind and namespace —
 * how ferry reads a revision of hundreds of objects without hundreds of GETs — except Secrets,
 * read with a GET each: their LIST would bring every Secret of the namespace with its data
 * (history entries, Helm releases, service account tokens).
 */
export async function readLive(client: ApplyClient, objects: ResolvedObject[], concurrency: number, cache?: { live: LiveCache; sync: string }): Promise<LiveRead> {
  const groups = new Map<string, { apiVersion: string; kind: string; namespace?: string; members: KubeObject[] }>();
  const live = new Map<string, KubeObject>();
  for (const object of objects) {
    if (object.state !== 'served') continue;
    const { apiVersion, kind, metadata } = object.desired;
    const namespace = object.resource.namespaced ? metadata.namespace : undefined;
    const ref = refOf(object.desired);
    // Only what this sync labelled: anything else (another sync's, unmanaged) is read as the sync's own identity reads it.
    const held = cache?.live.cached(ref);
    if (held && held.metadata.labels?.[SYNC_LABEL] === cache?.sync) {
      live.set(objectKey(ref), held);
      continue;
    }
    const key = `${apiVersion}|${kind}|${namespace ?? ''}`;
    const group = groups.get(key) ?? { apiVersion, kind, ...(namespace ? { namespace } : {}), members: [] };
    group.members.push(object.desired);
    groups.set(key, group);
  }
  const denied: ChangeEntry[] = [];
  // An object the identity may not read is a failed entry naming it (the sync fails before any
  // write), not a thrown error; a forbidden LIST falls back to one GET per object for that.
  const getEach = (members: KubeObject[]) =>
    mapBounded(members, concurrency, async (desired) => {
      try {
        const found = await client.getOrNull(refOf(desired));
        if (found) live.set(objectKey(refOf(desired)), found);
      } catch (error) {
        if (!(error instanceof ForbiddenError)) throw error;
        denied.push({ ref: refOf(desired), action: 'failed', error, message: error.message });
      }
    });
  await mapBounded([...groups.values()], concurrency, async (group) => {
    if (group.apiVersion === 'v1' && group.kind === 'Secret') {
      await getEach(group.members);
      return;
    }
    let listed: KubeObject[];
    try {
      listed = await client.list(group.apiVersion, group.kind, group.namespace ? { namespace: group.namespace } : {});
    } catch (error) {
      if (!(error instanceof ForbiddenError)) throw error;
      await getEach(group.members);
      return;
    }
    const byName = new Map(listed.map((object) => [object.metadata.name, object]));
    for (const desired of group.members) {
      const found = byName.get(desired.metadata.name);
      if (found) live.set(objectKey(refOf(desired)), found);
    }
  });
  return { live, denied };
}
