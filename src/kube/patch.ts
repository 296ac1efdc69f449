import type { JsonPatchOperation, KubeObject, ObjectRef } from '../objects.js';
import { objectPath, request, resolvedRef, withKind, type VerbContext } from './context.js';
import { subresourcePath, writeChecks, writeQuery, type WriteOptions } from './write-options.js';

/**
 * Applies an RFC 6902 JSON Patch. Led by a `test` (of resourceVersion), it refuses to apply twice,
 * so only then is it retried after a lost answer.
 */
export function jsonPatchObject(context: VerbContext, ref: ObjectRef, operations: JsonPatchOperation[], options: WriteOptions = {}): Promise<KubeObject> {
  return patchObject(context, ref, operations, 'application/json-patch+json', operations[0]?.op === 'test', options);
}

/** Applies an RFC 7386 merge patch (`null` deletes a field). */
export function mergePatchObject(context: VerbContext, ref: ObjectRef, patch: Record<string, unknown>, options: WriteOptions = {}): Promise<KubeObject> {
  return patchObject(context, ref, patch, 'application/merge-patch+json', true, options);
}

async function patchObject(context: VerbContext, ref: ObjectRef, patch: unknown, contentType: string, idempotent: boolean, options: WriteOptions): Promise<KubeObject> {
  const resource = await context.discovery.resourceFor(ref.apiVersion, ref.kind);
  const resolved = resolvedRef(context, ref, resource);
  const { body } = await request(context, {
    method: 'PATCH',
    path: `${objectPath(context, resource, resolved)}${subresourcePath(options)}`,
    query: writeQuery(options),
    body: patch,
    contentType,
    verb: 'patch',
    resource: resource.name,
    idempotent,
    target: { ref: resolved },
  }, writeChecks(options));
  return withKind(body as KubeObject, resource);
}
