import type { KubeObject } from '../objects.js';
import { canonicalJson, objectKey, refOf } from '../objects.js';
import type { ChangeEntry } from '../apply/index.js';
import type { ApplyClient } from '../apply/index.js';

/** What reading the Jobs needs: the sync's client, or the CLI's for `ferry diff`. */
export type JobReader = Pick<ApplyClient, 'getOrNull'>;

/**
 * A Job with `ttlSecondsAfterFinished` is deleted by the TTL controller once it finished. Its
 * absence is then no drift, and creating it again would run it again — forever, once per TTL.
 * Such a Job is created once per spec: when Git renders it exactly as the base (what the last
 * applied revision rendered, which ran it) and it is gone from the cluster, it finished and was
 * collected. It stays in the revision (history, inventory, prune candidates); it is only left
 * out of writes and health waits. Changing its spec in Git runs it again.
 */
export function mayHaveBeenCollected(object: KubeObject, base: ReadonlyMap<string, KubeObject>): boolean {
  if (object.kind !== 'Job' || !object.apiVersion.startsWith('batch/')) return false;
  const ttl = (object.spec as { ttlSecondsAfterFinished?: unknown } | undefined)?.ttlSecondsAfterFinished;
  if (typeof ttl !== 'number') return false;
  const before = base.get(objectKey(refOf(object)));
  return before !== undefined && canonicalJson(before) === canonicalJson(object);
}

/** Keys of the objects among `desired` that are finished Jobs the TTL controller removed, given which are missing. */
export function collectedJobs(desired: KubeObject[], base: KubeObject[], isMissing: (key: string) => boolean): Set<string> {
  const byKey = new Map(base.map((object) => [objectKey(refOf(object)), object]));
  const keys = new Set<string>();
  for (const object of desired) {
    const key = objectKey(refOf(object));
    if (mayHaveBeenCollected(object, byKey) && isMissing(key)) keys.add(key);
  }
  return keys;
}

/** What to write and wait for, and the finished Jobs left out (as skipped entries). */
export interface ToWrite {
  objects: KubeObject[];
  skipped: ChangeEntry[];
}

/**
 * Before a write (and before `ferry diff` shows what a write would do): reads the few Jobs that may have been collected (one GET each, only for Jobs
 * with a TTL rendered as before; a revision rarely holds more than a handful) and leaves out
 * those that are gone.
 */
export async function leaveOutCollectedJobs(client: JobReader, desired: KubeObject[], base: KubeObject[]): Promise<ToWrite> {
  const byKey = new Map(base.map((object) => [objectKey(refOf(object)), object]));
  const gone = new Set<string>();
  for (const job of desired.filter((object) => mayHaveBeenCollected(object, byKey))) {
    if ((await client.getOrNull(refOf(job))) === null) gone.add(objectKey(refOf(job)));
  }
  return leaveOut(desired, gone);
}

/** `objects` without the `collected` keys, and a skipped entry for each of those. */
export function leaveOut(objects: KubeObject[], collected: ReadonlySet<string>): ToWrite {
  if (collected.size === 0) return { objects, skipped: [] };
  const kept: KubeObject[] = [];
  const skipped: ChangeEntry[] = [];
  for (const object of objects) {
    if (collected.has(objectKey(refOf(object)))) skipped.push({ ref: refOf(object), action: 'skipped', message: FINISHED_MESSAGE });
    else kept.push(object);
  }
  return { objects: kept, skipped };
}

const FINISHED_MESSAGE = 'finished and removed by the TTL controller (ttlSecondsAfterFinished); runs again when its spec in Git changes';
