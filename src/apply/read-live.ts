import type { KubeObject } from '../objects.js';
import { objectKey, refOf } from '../objects.js';
import { ForbiddenError } from '../kube/index.js';
import type { ApplyClient } from './apply-request.js';
import { mapBounded } from './bounded.js';
import type { ResolvedObject } from './resolve.js';

/** Live objects by object key (`objectKey`); an object absent here does not exist yet. */
export type LiveObjects = ReadonlyMap<string, KubeObject>;

/**
 * Reads the live state of every served object with one LIST per apiVersion, kind and namespace:
 * how ferry reads a revision of hundreds of objects without hundreds of GETs.
 */
export async function readLive(client: ApplyClient, objects: ResolvedObject[], concurrency: number): Promise<LiveObjects> {
  const groups = new Map<string, { apiVersion: string; kind: string; namespace?: string; members: KubeObject[] }>();
  for (const object of objects) {
    if (object.state !== 'served') continue;
    const { apiVersion, kind, metadata } = object.desired;
    const namespace = object.resource.namespaced ? metadata.namespace : undefined;
    const key = `${apiVersion}|${kind}|${namespace ?? ''}`;
    const group = groups.get(key) ?? { apiVersion, kind, ...(namespace ? { namespace } : {}), members: [] };
    group.members.push(object.desired);
    groups.set(key, group);
  }
  const live = new Map<string, KubeObject>();
  await mapBounded([...groups.values()], concurrency, async (group) => {
    const listed = await listOrGet(client, group);
    const byName = new Map(listed.map((object) => [object.metadata.name, object]));
    for (const desired of group.members) {
      const found = byName.get(desired.metadata.name);
      if (found) live.set(objectKey(refOf(desired)), found);
    }
  });
  return live;
}

/**
 * One LIST, or — when the identity may not list there (a tenant's service account may get some
 * objects it cannot list, or nothing at all) — one GET per object, so that a denial names the
 * object, not just its kind.
 */
async function listOrGet(client: ApplyClient, group: { apiVersion: string; kind: string; namespace?: string; members: KubeObject[] }): Promise<KubeObject[]> {
  try {
    return await client.list(group.apiVersion, group.kind, group.namespace ? { namespace: group.namespace } : {});
  } catch (error) {
    if (!(error instanceof ForbiddenError)) throw error;
    const found = await Promise.all(group.members.map((desired) => client.getOrNull(refOf(desired))));
    return found.filter((object): object is KubeObject => object !== null);
  }
}
