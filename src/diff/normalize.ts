import type { KubeObject } from '../objects.js';
import { isJsonObject } from '../objects.js';

/** Metadata the server owns: never drift, never patched. */
export const SERVER_METADATA = ['managedFields', 'resourceVersion', 'uid', 'generation', 'creationTimestamp', 'selfLink', 'deletionTimestamp', 'deletionGracePeriodSeconds'];
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * An object as ferry compares it: no status, no server-owned metadata, no kubectl last-applied
 * annotation, a Secret's `stringData` folded into base64 `data` (which is how the server stores
 * it), and empty maps and lists removed (the server does not keep them apart from absent).
 */
export function normalizeObject(object: KubeObject): KubeObject {
  return pruneEmpty(prepareObject(object)) as KubeObject;
}

/** Like normalizeObject, but keeps empty maps and lists: the form merged into a target. */
export function prepareObject(object: KubeObject): KubeObject {
  const copy = structuredClone(object) as Record<string, unknown>;
  delete copy.status;
  const metadata = isJsonObject(copy.metadata) ? copy.metadata : {};
  for (const field of SERVER_METADATA) delete metadata[field];
  if (isJsonObject(metadata.annotations)) {
    delete metadata.annotations[LAST_APPLIED];
  }
  copy.metadata = metadata;
  if (copy.kind === 'Secret' && isJsonObject(copy.stringData)) {
    const data: Record<string, unknown> = isJsonObject(copy.data) ? { ...copy.data } : {};
    for (const [key, value] of Object.entries(copy.stringData)) data[key] = Buffer.from(String(value), 'utf8').toString('base64');
    copy.data = data;
    delete copy.stringData;
  }
  return copy as KubeObject;
}

/** Removes empty maps, empty lists and nulls, recursively. */
export function pruneEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pruneEmpty);
  if (isJsonObject(value)) {
    const result: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      const pruned = pruneEmpty(inner);
      if (pruned === null || pruned === undefined) continue;
      if (Array.isArray(pruned) && pruned.length === 0) continue;
      if (isJsonObject(pruned) && Object.keys(pruned).length === 0) continue;
      result[key] = pruned;
    }
    return result;
  }
  return value;
}
