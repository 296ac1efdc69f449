import type { ObjectRef } from '../objects.js';
import { objectPath, request, resolvedRef, type VerbContext } from './context.js';

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  dryRun?: boolean;
  /** Delete only while the object is at this version (a concurrent change is a ConflictError). */
  preconditionResourceVersion?: string;
}

/** Deletes one object; NotFoundError when it is already gone. */
export async function deleteObject(context: VerbContext, ref: ObjectRef, options: DeleteOptions = {}): Promise<void> {
  const resource = await context.discovery.resourceFor(ref.apiVersion, ref.kind);
  const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
  if (options.propagationPolicy) body.propagationPolicy = options.propagationPolicy;
  if (options.preconditionResourceVersion) body.preconditions = { resourceVersion: options.preconditionResourceVersion };
  await request(context, {
    method: 'DELETE',
    path: objectPath(context, resource, resolvedRef(context, ref, resource)),
    query: { dryRun: options.dryRun ? 'All' : undefined },
    body,
    contentType: 'application/json',
    verb: 'delete',
    resource: resource.name,
    idempotent: true,
    target: { ref },
  });
}
