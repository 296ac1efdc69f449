import jsonpatch from 'fast-json-patch';
import type { JsonPatchOperation, KubeObject, ObjectRef } from '../objects.js';
import { refOf } from '../objects.js';
import { computeTarget, equalNormalized, type DiffOptions } from './merge.js';
import { normalizeObject, prepareObject, pruneEmpty, SERVER_METADATA } from './normalize.js';

export type { JsonPatchOperation } from '../objects.js';

/** What to do with one object. */
export type DiffAction = 'create' | 'changed' | 'unchanged' | 'delete';

export interface ObjectDiff {
  ref: ObjectRef;
  action: DiffAction;
  /** Changed fields as JSON pointers into the object (`/spec/replicas`). */
  paths: string[];
  /** What the object should become (for create: desired, ready to send). */
  target?: KubeObject;
  live?: KubeObject;
  /** For `changed`: JSON Patch from live to target, led by a `test` of resourceVersion. */
  patch: JsonPatchOperation[];
}

export interface DiffInput {
  base?: KubeObject;
  desired?: KubeObject;
  live?: KubeObject;
}

const PROTECTED = [/^\/status(\/|$)/, ...SERVER_METADATA.map((field) => new RegExp(`^/metadata/${field}(/|$)`))];

/**
 * Compares one object: `create` when live is absent, `delete` when desired is absent (whether
 * to prune is the caller's decision), else `changed` or `unchanged` after the three-way merge.
 */
export function diffObject(input: DiffInput, options: DiffOptions = {}): ObjectDiff {
  const { desired, live, base } = input;
  if (!desired && !live) throw new Error('diffObject needs a desired or a live object');
  if (!live) {
    const target = prepareObject(desired as KubeObject);
    return { ref: refOf(desired as KubeObject), action: 'create', paths: [], target, patch: [] };
  }
  if (!desired) return { ref: refOf(live), action: 'delete', paths: [], live, patch: [] };
  const target = computeTarget({ desired, live, ...(base ? { base } : {}) }, options);
  const liveView = normalizeObject(live);
  const targetView = normalizeObject(target);
  if (equalNormalized(liveView, targetView)) return { ref: refOf(live), action: 'unchanged', paths: [], target, live, patch: [] };
  const paths = changedPaths(liveView, targetView);
  const operations = (jsonpatch.compare(live, target) as JsonPatchOperation[]).filter((op) => !PROTECTED.some((pattern) => pattern.test(op.path)));
  const patch: JsonPatchOperation[] = [{ op: 'test', path: '/metadata/resourceVersion', value: live.metadata.resourceVersion }, ...operations];
  return { ref: refOf(live), action: 'changed', paths, target, live, patch };
}

/** The JSON pointers where two normalized objects differ, parents before children, no repeats. */
export function changedPaths(from: unknown, to: unknown): string[] {
  const ops = jsonpatch.compare(pruneEmpty(from) as object, pruneEmpty(to) as object);
  return [...new Set(ops.map((op) => op.path))].sort();
}
