import type { KubeObject } from '../objects.js';
import { objectPath, refOfObject, request, withKind, type VerbContext } from './context.js';
import { subresourcePath, writeChecks, writeQuery, type WriteOptions } from './write-options.js';

/** Replaces an object (PUT); with `metadata.resourceVersion` set, a concurrent change is a ConflictError. */
export async function replaceObject(context: VerbContext, object: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
  const resource = await context.discovery.resourceFor(object.apiVersion, object.kind);
  const ref = refOfObject(context, object, resource);
  const { body } = await request(context, {
    method: 'PUT',
    path: `${objectPath(context, resource, ref)}${subresourcePath(options)}`,
    query: writeQuery(options),
    body: object,
    contentType: 'application/json',
    verb: 'update',
    resource: resource.name,
    // With a resourceVersion the server refuses a second application: safe to retry.
    idempotent: Boolean(object.metadata.resourceVersion),
    target: { ref },
  }, writeChecks(options));
  return withKind(body as KubeObject, resource);
}
