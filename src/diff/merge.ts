import type { KubeObject } from '../objects.js';
import { groupOf, isJsonObject } from '../objects.js';
import { isDeepStrictEqual } from 'node:util';
import { keyValue, listKeyFor, type ListKeySchema } from './list-keys.js';
import { prepareObject, pruneEmpty } from './normalize.js';
import { quantitiesEqual } from './quantity.js';

/** A rule that keeps fields out of diffs and patches (e.g. `/spec/replicas` scaled by an HPA). */
export interface IgnoreRule {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  jsonPointers: string[];
}

export interface DiffOptions {
  ignore?: IgnoreRule[];
  listKeys?: ListKeySchema;
}

/** Fields whose int-or-string values the server may hold in the other spelling. */
const INT_OR_STRING = /^(port|targetPort|containerPort|maxSurge|maxUnavailable|minAvailable|number)$/;

/**
 * The three-way merge: what the object should become. Starts from live; every field desired sets
 * takes desired's value (maps merged recursively, keyed lists merged by key, other lists
 * replaced); every field or keyed entry the base set and desired no longer sets is removed;
 * everything else (server defaults, other controllers' fields) stays as live has it.
 */
export function computeTarget(input: { base?: KubeObject; desired: KubeObject; live: KubeObject }, options: DiffOptions = {}): KubeObject {
  const desired = prepareObject(input.desired);
  const base = input.base ? prepareObject(input.base) : undefined;
  const context: MergeContext = { kind: input.desired.kind, listKeys: options.listKeys ?? {} };
  const target = mergeValue(structuredClone(input.live), desired, base, [], context) as KubeObject;
  applyIgnoreRules(target, input.live, options.ignore ?? []);
  return target;
}

interface MergeContext {
  kind: string;
  listKeys: ListKeySchema;
}

function mergeValue(live: unknown, desired: unknown, base: unknown, path: string[], context: MergeContext): unknown {
  if (isJsonObject(desired)) {
    const result: Record<string, unknown> = isJsonObject(live) ? { ...live } : {};
    for (const [key, value] of Object.entries(desired)) {
      result[key] = mergeValue(result[key], value, isJsonObject(base) ? base[key] : undefined, [...path, key], context);
    }
    if (isJsonObject(base)) {
      for (const key of Object.keys(base)) if (!(key in desired)) delete result[key];
    }
    return result;
  }
  if (Array.isArray(desired)) {
    const keys = listKeyFor(context.kind, path, context.listKeys);
    if (keys && Array.isArray(live)) return mergeKeyedList(live, desired, Array.isArray(base) ? base : [], keys, path, context);
    // Atomic list: keep live's when it only adds server values inside desired's elements.
    if (Array.isArray(live) && live.length === desired.length && desired.every((element, i) => isSubset(element, live[i]))) return live;
    return desired;
  }
  if (live !== undefined && desired !== live) {
    if (quantitiesEqual(desired, live)) return live;
    const field = path[path.length - 1] ?? '';
    if (INT_OR_STRING.test(field) && String(desired) === String(live)) return live;
  }
  return desired;
}

function mergeKeyedList(live: unknown[], desired: unknown[], base: unknown[], keys: string[], path: string[], context: MergeContext): unknown[] {
  const sameKey = (a: unknown, b: unknown) => keys.every((key) => keyValue(a, key) === keyValue(b, key));
  const result: unknown[] = desired.map((element) => {
    const liveElement = live.find((candidate) => sameKey(candidate, element));
    const baseElement = base.find((candidate) => sameKey(candidate, element));
    return liveElement === undefined ? element : mergeValue(liveElement, element, baseElement, [...path, '[]'], context);
  });
  // Entries only live has (a webhook's sidecar, another writer's env var) stay, unless ferry
  // applied them before and Git dropped them.
  for (const element of live) {
    const inDesired = desired.some((candidate) => sameKey(candidate, element));
    const inBase = base.some((candidate) => sameKey(candidate, element));
    if (!inDesired && !inBase) result.push(element);
  }
  return result;
}

/** True when every field of `part` has the same value in `whole` (server-added fields allowed). */
export function isSubset(part: unknown, whole: unknown): boolean {
  if (isJsonObject(part)) {
    if (!isJsonObject(whole)) return false;
    return Object.entries(part).every(([key, value]) => isSubset(value, whole[key]) || (isEmpty(value) && whole[key] === undefined));
  }
  if (Array.isArray(part)) {
    return Array.isArray(whole) && part.length === whole.length && part.every((element, i) => isSubset(element, whole[i]));
  }
  return part === whole || quantitiesEqual(part, whole);
}

function isEmpty(value: unknown): boolean {
  return value === null || (Array.isArray(value) && value.length === 0) || (isJsonObject(value) && Object.keys(value).length === 0);
}

/** Puts live's value back at every ignored pointer, so the field is neither drift nor patched. */
function applyIgnoreRules(target: KubeObject, live: KubeObject, rules: IgnoreRule[]): void {
  for (const rule of rules) {
    if (rule.group !== undefined && rule.group !== groupOf(live.apiVersion)) continue;
    if (rule.kind !== undefined && rule.kind !== live.kind) continue;
    if (rule.name !== undefined && rule.name !== live.metadata.name) continue;
    if (rule.namespace !== undefined && rule.namespace !== live.metadata.namespace) continue;
    for (const pointer of rule.jsonPointers) copyPointer(live, target, pointer);
  }
}

function copyPointer(from: unknown, to: unknown, pointer: string): void {
  const parts = pointer.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (parts.length === 0) return;
  let source: unknown = from;
  let sink: unknown = to;
  for (const part of parts.slice(0, -1)) {
    source = isJsonObject(source) || Array.isArray(source) ? (source as Record<string, unknown>)[part] : undefined;
    const next = isJsonObject(sink) || Array.isArray(sink) ? (sink as Record<string, unknown>)[part] : undefined;
    if (next === undefined) return;
    sink = next;
  }
  const last = parts[parts.length - 1] as string;
  const value = isJsonObject(source) || Array.isArray(source) ? (source as Record<string, unknown>)[last] : undefined;
  if (!isJsonObject(sink) && !Array.isArray(sink)) return;
  if (value === undefined) delete (sink as Record<string, unknown>)[last];
  else (sink as Record<string, unknown>)[last] = structuredClone(value);
}

/** Deep equality after normalization (empty ≡ absent). */
export function equalNormalized(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(pruneEmpty(a), pruneEmpty(b));
}
