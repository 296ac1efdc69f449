import type { KubeObject } from '../objects.js';
import { refOf } from '../objects.js';
import type { WriteOptions } from '../kube/index.js';
import type { ObjectDiff } from '../diff/index.js';
import type { ApplyClient } from './apply-request.js';
import type { CheckedObject } from './validate.js';

/** True when a diff means a request to the server (create or patch). */
export function isWrite(diff: ObjectDiff): boolean {
  return diff.action === 'create' || diff.action === 'changed';
}

/** Sends one object's diff: a create, or the JSON Patch led by its resourceVersion test. */
export function sendDiff(client: ApplyClient, object: CheckedObject, options: WriteOptions): Promise<KubeObject> {
  const { diff } = object;
  if (diff.action === 'create') return client.create(diff.target ?? object.desired, options);
  return client.jsonPatch(refOf(object.desired), diff.patch, options);
}

/** The resourceVersion a write left the object at, for the entry (the agent tells its own writes apart by it). */
export function resourceVersionOf(object: KubeObject | undefined): { resourceVersion?: string } {
  const version = object?.metadata?.resourceVersion;
  return version ? { resourceVersion: version } : {};
}
