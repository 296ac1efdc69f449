import type { KubeObject, ObjectRef } from '../objects.js';
import { objectPath, request, withKind, type VerbContext } from './context.js';
import { NotFoundError } from './errors.js';

/** Reads one object as raw JSON; NotFoundError when it does not exist. */
export async function getObject(context: VerbContext, ref: ObjectRef, subresource?: 'status'): Promise<KubeObject> {
  const resource = await context.discovery.resourceFor(ref.apiVersion, ref.kind);
  const { body } = await request(context, {
    method: 'GET',
    path: `${objectPath(context, resource, ref)}${subresource ? `/${subresource}` : ''}`,
    verb: 'get',
    resource: subresource ? `${resource.name}/${subresource}` : resource.name,
    idempotent: true,
    target: { ref },
  });
  return withKind(body as KubeObject, resource);
}

/** Reads one object, or null when it does not exist. */
export async function getObjectOrNull(context: VerbContext, ref: ObjectRef): Promise<KubeObject | null> {
  try {
    return await getObject(context, ref);
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}
