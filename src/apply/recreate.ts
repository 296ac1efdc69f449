import type { KubeObject, ObjectRef } from '../objects.js';
import { formatRef, refOf } from '../objects.js';
import { sleep } from '../sleep.js';
import { diffObject } from '../diff/index.js';
import { FORCE_ANNOTATION } from '../well-known.js';
import { DEFAULT_DEPENDENCY_TIMEOUT_MS, DEFAULT_POLL_INTERVAL_MS, type ApplyClient, type ApplyRequest } from './apply-request.js';
import type { ChangeEntry } from './changeset.js';
import { ApplyError } from './errors.js';
import { isNeverRecreated } from './immutable.js';
import { isAnnotationTrue } from './ownership.js';
import type { CheckedObject } from './validate.js';
import { resourceVersionOf } from './send-diff.js';

/** Why deleting data would be wrong, per kind ferry never recreates. */
const LOSS: Record<string, string> = {
  PersistentVolumeClaim: 'its data would be lost',
  PersistentVolume: 'its data would be lost',
  Namespace: 'everything in it would be deleted',
  CustomResourceDefinition: 'every custom resource of its kind would be deleted',
};

/**
 * The error to report when an object whose immutable `fields` changed may not be recreated:
 * a kind ferry never deletes, or no opt-in (`spec.force` on the GitSync, or the object's
 * `ferry.dev/force: "true"`). Undefined when the recreate is allowed.
 */
export function refuseRecreate(desired: KubeObject, fields: string[], force: boolean, cause: unknown): ApplyError | undefined {
  const ref = refOf(desired);
  const what = `${formatRef(ref)}: cannot change immutable field${fields.length === 1 ? '' : 's'} ${fields.join(', ')}`;
  if (isNeverRecreated(ref)) {
    return new ApplyError(
      'APPLY_IMMUTABLE_FIELD',
      `${what}; ferry never deletes a ${ref.kind} to recreate it (${LOSS[ref.kind] ?? 'it holds state'}), even with force: change it by hand, or create a new one under another name`,
      { cause, details: { ref, fields, recreate: 'never' } },
    );
  }
  if (force || isAnnotationTrue(desired, FORCE_ANNOTATION)) return undefined;
  return new ApplyError(
    'APPLY_IMMUTABLE_FIELD',
    `${what}; set the annotation ${FORCE_ANNOTATION}: "true" on it in Git (or spec.force on the GitSync) to let ferry delete and recreate it`,
    { cause, details: { ref, fields } },
  );
}

/**
 * Deletes the object and creates it again, once validation planned it (an immutable field
 * changed and the user allowed it). Deletion is Foreground and awaited, so the new object never
 * meets the old one's dependents (a Job's pods, a Deployment's ReplicaSets).
 */
export async function recreateObject(client: ApplyClient, object: CheckedObject, layer: number, fields: string[], request: ApplyRequest): Promise<ChangeEntry> {
  const ref = refOf(object.desired);
  await client.delete(ref, { propagationPolicy: 'Foreground' });
  await waitUntilGone(client, ref, request);
  const created = diffObject({ desired: object.desired });
  const written = await client.create(created.target ?? object.desired);
  return { ref, layer, action: 'recreated', diff: created, message: `immutable field${fields.length === 1 ? '' : 's'} ${fields.join(', ')} changed: deleted and created again`, ...resourceVersionOf(written) };
}

async function waitUntilGone(client: ApplyClient, ref: ObjectRef, request: ApplyRequest): Promise<void> {
  const deadline = Date.now() + (request.dependencyTimeoutMs ?? DEFAULT_DEPENDENCY_TIMEOUT_MS);
  while ((await client.getOrNull(ref)) !== null) {
    // The sleep below returns at once on an aborted signal: without this the loop would spin.
    if (request.signal?.aborted) throw new ApplyError('APPLY_CANCELLED', `${formatRef(ref)}: deleted to be recreated, but the sync was cancelled before it was created again`);
    if (Date.now() > deadline) throw new ApplyError('APPLY_DELETE_TIMEOUT', `${formatRef(ref)}: still present after deletion; cannot recreate it`);
    await sleep(request.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, request.signal);
  }
}
