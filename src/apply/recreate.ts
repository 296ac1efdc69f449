import type { ObjectRef } from '../objects.js';
import { formatRef, refOf } from '../objects.js';
import { sleep } from '../sleep.js';
import { InvalidError } from '../kube/index.js';
import { diffObject } from '../diff/index.js';
import { FORCE_ANNOTATION } from '../well-known.js';
import { DEFAULT_DEPENDENCY_TIMEOUT_MS, DEFAULT_POLL_INTERVAL_MS, type ApplyClient, type ApplyRequest } from './apply-request.js';
import type { ChangeEntry } from './changeset.js';
import { ApplyError } from './errors.js';
import { isAnnotationTrue } from './ownership.js';
import type { CheckedObject } from './validate.js';
import { resourceVersionOf } from './send-diff.js';

/** True when the server refused a write because it changes an immutable field. */
export function isImmutableFieldError(error: unknown): error is InvalidError {
  return error instanceof InvalidError && (error.causes.some((cause) => /immutable/i.test(cause.message)) || /field is immutable/i.test(error.message));
}

/**
 * Deletes the object and creates it again, when an immutable field changed and the user opted in
 * (`spec.force` on the GitSync, or the object's `ferry.dev/force` annotation); else a failed entry
 * saying how to opt in.
 */
export async function recreateObject(client: ApplyClient, object: CheckedObject, layer: number, cause: InvalidError, request: ApplyRequest): Promise<ChangeEntry> {
  const ref = refOf(object.desired);
  const fields = cause.causes.map((c) => c.field).filter(Boolean).join(', ');
  if (!request.force && !isAnnotationTrue(object.desired, FORCE_ANNOTATION)) {
    const error = new ApplyError(
      'APPLY_IMMUTABLE_FIELD',
      `${formatRef(ref)}: cannot change immutable field${fields ? ` ${fields}` : ''}; set the annotation ${FORCE_ANNOTATION}: "true" (or spec.force on the GitSync) to let ferry delete and recreate it`,
      { cause, details: { ref, fields } },
    );
    return { ref, layer, action: 'failed', error, message: error.message, diff: object.diff };
  }
  await client.delete(ref, { propagationPolicy: 'Foreground' });
  await waitUntilGone(client, ref, request);
  const created = diffObject({ desired: object.desired });
  const written = await client.create(created.target ?? object.desired);
  return { ref, layer, action: 'recreated', diff: created, message: `immutable field${fields ? ` ${fields}` : ''} changed`, ...resourceVersionOf(written) };
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
