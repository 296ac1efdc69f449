import type { KubeObject, ObjectRef } from '../objects.js';
import { formatRef, objectKey, refOf } from '../objects.js';
import { FerryError } from '../errors.js';
import type { ChangeEntry } from './changeset.js';
import { ApplyError } from './errors.js';

/** Adds to a failed entry where its object is defined; other entries pass unchanged. */
export type Locator = (entry: ChangeEntry) => ChangeEntry;

/**
 * A locator over `sources` (object key of a rendered object → `file:line`): a failed entry gets
 * `source`, and its error a message that names the file and line right after the object,
 * `Deployment/shop/web (apps/web.yaml:12): unknown field "spec…"`. The error keeps its code and
 * details; the server's typed error stays its cause.
 */
export function sourceLocator(desired: KubeObject[], sources: ReadonlyMap<string, string> | undefined): Locator {
  if (!sources || sources.size === 0) return (entry) => entry;
  const byKey = new Map<string, string>();
  for (const object of desired) {
    const ref = refOf(object);
    const source = sources.get(objectKey(ref));
    if (!source) continue;
    byKey.set(objectKey(ref), source);
    // A cluster-scoped object loses the namespace render gave it: find it without one too.
    const { namespace: _namespace, ...clusterRef } = ref;
    byKey.set(objectKey(clusterRef), source);
  }
  return (entry) => {
    const source = byKey.get(objectKey(entry.ref));
    if (entry.action !== 'failed' || !source || entry.source) return entry;
    const error = entry.error ? located(entry.error, entry.ref, source) : undefined;
    return { ...entry, source, ...(error ? { error, message: error.message } : {}) };
  };
}

function located(error: FerryError, ref: ObjectRef, source: string): FerryError {
  const subject = formatRef(ref);
  const rest = error.message.startsWith(`${subject}: `) ? error.message.slice(subject.length + 2) : error.message;
  return new ApplyError(error.code, `${subject} (${source}): ${rest}`, { cause: error, details: { ...error.details, ref, source } });
}
