import type { KubeObject } from '../objects.js';
import { collectionPath, refOfObject, request, withKind, type VerbContext } from './context.js';
import { writeChecks, writeQuery, type WriteOptions } from './write-options.js';

/** Creates an object (POST); a namespaced object without a namespace lands in the current one. */
export async function createObject(context: VerbContext, object: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
  const resource = await context.discovery.resourceFor(object.apiVersion, object.kind);
  const ref = refOfObject(context, object, resource);
  const { body } = await request(context, {
    method: 'POST',
    path: collectionPath(resource, ref.namespace),
    query: writeQuery(options),
    body: ref.namespace && !object.metadata.namespace ? { ...object, metadata: { ...object.metadata, namespace: ref.namespace } } : object,
    contentType: 'application/json',
    verb: 'create',
    resource: resource.name,
    // A create is not idempotent: after a lost answer it may exist. 429/503 are retried anyway.
    idempotent: false,
    target: { ref },
  }, writeChecks(options));
  return withKind(body as KubeObject, resource);
}
