import type { KubeObject } from '../objects.js';
import { groupOf, isJsonObject } from '../objects.js';
import { isDeepStrictEqual } from 'node:util';
import { keepAllocatedValues } from './allocated.js';
import { builtinSchema } from './builtin-schemas.js';
import { prepareObject, pruneEmpty } from './normalize.js';
import { quantitiesEqual } from './quantity.js';
import { dropsEmptyField, fieldCursor, isMapCursor, itemCursor, rootCursor, type KindSchema, type ListSemantics, type SchemaCursor } from './schema.js';
import { applyOneOf } from './unions.js';

/** A rule that keeps fields out of diffs and patches (e.g. `/spec/replicas` scaled by an HPA). */
export interface IgnoreRule {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  jsonPointers: string[];
}

/**
 * Schemas of custom kinds by `apiVersion/Kind` (`example.com/v1/Widget`), as listKeysFromCrd
 * returns them. Kept so callers that collect CRD schemas into one table keep working; pass
 * `DiffOptions.schema` instead.
 */
export type ListKeySchema = Record<string, KindSchema>;

export interface DiffOptions {
  ignore?: IgnoreRule[];
  /**
   * The object's schema, from the server: `schemaFromOpenApi(document, gvk)` or
   * `schemaFromCrd(crd, version)`. Without it, built-in kinds merge by the built-in table
   * (what a 1.32 server's documents say) and other kinds by no schema: every list atomic,
   * scalars compared as written.
   */
  schema?: KindSchema;
  /** @deprecated Schemas of custom kinds by `apiVersion/Kind` (listKeysFromCrd); use `schema`. */
  listKeys?: ListKeySchema;
}

/** The schema a diff of `object` uses: the caller's, else a legacy CRD table entry, else the built-in one. */
export function schemaFor(object: KubeObject, options: DiffOptions): KindSchema | undefined {
  const { schema } = options;
  if (schema) {
    if (schema.group !== groupOf(object.apiVersion) || schema.kind !== object.kind) {
      throw new Error(`diff: the schema given is for ${schema.group ? `${schema.group}/` : ''}${schema.kind}, the object is ${object.apiVersion} ${object.kind}`);
    }
    return schema;
  }
  return options.listKeys?.[`${object.apiVersion}/${object.kind}`] ?? builtinSchema(object.apiVersion, object.kind);
}

/**
 * The three-way merge: what the object should become. Starts from live; every field desired sets
 * takes desired's value (maps merged recursively, lists as the schema says: `map` lists by key,
 * `set` lists by value, atomic lists and objects replaced); every field or entry the base set
 * and desired no longer sets is removed; everything else (server defaults, other controllers'
 * fields) stays as live has it. Scalars compare by value only where the schema says they are
 * quantities, int-or-string or bytes. What the server would normalise anyway — empty optional
 * fields of typed kinds it drops, values it allocated and keeps — is left as live has it, so it
 * is never drift.
 */
export function computeTarget(input: { base?: KubeObject; desired: KubeObject; live: KubeObject }, options: DiffOptions = {}): KubeObject {
  const desired = prepareObject(input.desired);
  const base = input.base ? prepareObject(input.base) : undefined;
  const root = rootCursor(schemaFor(input.desired, options));
  const target = mergeValue(structuredClone(input.live), desired, base, root, false) as KubeObject;
  keepAllocatedValues(target, input.live);
  applyIgnoreRules(target, input.live, options.ignore ?? []);
  return target;
}

/**
 * Merges desired into live at one place. `dropsEmpty`: the place is a struct field the server
 * drops when empty, so an empty desired value where live has none is already in effect.
 * Returns undefined for "no field here".
 */
function mergeValue(live: unknown, desired: unknown, base: unknown, at: SchemaCursor, dropsEmpty: boolean): unknown {
  if (isJsonObject(desired)) {
    if (at.node?.atomic) return mergeAtomic(live, desired, base, at);
    const result: Record<string, unknown> = isJsonObject(live) ? { ...live } : {};
    const fieldsDropEmpty = dropsEmptyField(at);
    for (const [key, value] of Object.entries(desired)) {
      const merged = mergeValue(result[key], value, isJsonObject(base) ? base[key] : undefined, fieldCursor(at, key), fieldsDropEmpty);
      if (merged === undefined) delete result[key];
      else result[key] = merged;
    }
    if (isJsonObject(base)) {
      for (const key of Object.keys(base)) if (!(key in desired)) delete result[key];
    }
    applyOneOf(result, desired, at.typeName);
    return result;
  }
  if (Array.isArray(desired)) {
    const list = at.node?.list;
    if (list?.type === 'map' && Array.isArray(live)) return mergeMapList(live, desired, Array.isArray(base) ? base : [], list, at);
    if (list?.type === 'set' && Array.isArray(live)) return mergeSet(live, desired, Array.isArray(base) ? base : []);
    return mergeAtomic(live, desired, base, at);
  }
  if (live === undefined) return dropsEmpty && isEmptyScalar(desired) ? undefined : desired;
  return desired === live || sameScalar(desired, live, at) ? live : desired;
}

/**
 * An atomic list or object is desired's, unless live holds the same plus only what the server
 * filled in (defaults inside the elements): then live's, so defaults are not drift.
 */
function mergeAtomic(live: unknown, desired: unknown, base: unknown, at: SchemaCursor): unknown {
  return live !== undefined && isSubset(desired, live, at) && addsNothingFromBase(desired, live, base) ? live : desired;
}

/** True when every field live has beyond desired is one the base did not set (so Git did not remove it). */
function addsNothingFromBase(desired: unknown, live: unknown, base: unknown): boolean {
  if (base === undefined) return true;
  if (isJsonObject(desired) && isJsonObject(live)) {
    return Object.keys(live).every((key) => (key in desired ? addsNothingFromBase(desired[key], live[key], isJsonObject(base) ? base[key] : undefined) : !(isJsonObject(base) && key in base)));
  }
  if (Array.isArray(desired) && Array.isArray(live)) {
    return desired.every((element, i) => addsNothingFromBase(element, live[i], Array.isArray(base) ? base[i] : undefined));
  }
  return true;
}

/** The identity of a `map` list entry (its key values, defaults filled in), or undefined when a key is missing. */
function entryKey(element: unknown, list: Extract<ListSemantics, { type: 'map' }>): string | undefined {
  if (!isJsonObject(element)) return undefined;
  const values: unknown[] = [];
  for (const key of list.keys) {
    const value = element[key] ?? list.keyDefaults?.[key];
    if (value === undefined || value === null) return undefined;
    values.push(value);
  }
  return JSON.stringify(values);
}

function mergeMapList(live: unknown[], desired: unknown[], base: unknown[], list: Extract<ListSemantics, { type: 'map' }>, at: SchemaCursor): unknown[] {
  const items = itemCursor(at);
  const index = (elements: unknown[]) => {
    const byKey = new Map<string, unknown>();
    for (const element of elements) {
      const key = entryKey(element, list);
      if (key !== undefined && !byKey.has(key)) byKey.set(key, element);
    }
    return byKey;
  };
  const liveByKey = index(live);
  const baseByKey = index(base);
  const desiredKeys = new Set<string>();
  const result: unknown[] = desired.map((element) => {
    const key = entryKey(element, list);
    // An entry without its key has no identity: it is Git's as written, never merged into another.
    if (key === undefined) return element;
    desiredKeys.add(key);
    const liveElement = liveByKey.get(key);
    return liveElement === undefined ? element : mergeValue(liveElement, element, baseByKey.get(key), items, false);
  });
  // Entries only live has (a webhook's sidecar, another writer's env var) stay, unless ferry
  // applied them before and Git dropped them.
  for (const element of live) {
    const key = entryKey(element, list);
    if (key === undefined ? !includesEqual(desired, element) && !includesEqual(base, element) : !desiredKeys.has(key) && !baseByKey.has(key)) result.push(element);
  }
  return result;
}

/** A `set` list: desired's values, then live's others unless Git dropped them. */
function mergeSet(live: unknown[], desired: unknown[], base: unknown[]): unknown[] {
  return [...desired, ...live.filter((value) => !includesEqual(desired, value) && !includesEqual(base, value))];
}

function includesEqual(values: unknown[], value: unknown): boolean {
  return values.some((candidate) => isDeepStrictEqual(candidate, value));
}

/**
 * True when every field of `part` has the same value in `whole`: server-added fields allowed
 * in structs (and, for a typed kind, the server may have dropped an empty one), maps must have
 * the same keys, lists the same length.
 */
function isSubset(part: unknown, whole: unknown, at: SchemaCursor): boolean {
  if (isJsonObject(part)) {
    if (!isJsonObject(whole)) return false;
    if (isMapCursor(at) && Object.keys(whole).some((key) => !(key in part))) return false;
    const fieldsDropEmpty = dropsEmptyField(at);
    return Object.entries(part).every(([key, value]) => {
      if (whole[key] === undefined && (isEmpty(value) || (fieldsDropEmpty && isEmptyScalar(value)))) return true;
      return isSubset(value, whole[key], fieldCursor(at, key));
    });
  }
  if (Array.isArray(part)) {
    const items = itemCursor(at);
    return Array.isArray(whole) && part.length === whole.length && part.every((element, i) => isSubset(element, whole[i], items));
  }
  return part === whole || sameScalar(part, whole, at);
}

/**
 * Scalars that mean the same where the schema says how to read them: `0.5` = `500m`,
 * `8080` = `"8080"`, base64 with and without line breaks.
 */
function sameScalar(a: unknown, b: unknown, at: SchemaCursor): boolean {
  const scalar = at.node?.scalar;
  if (scalar === 'quantity') return quantitiesEqual(a, b);
  if (scalar === 'int-or-string') return (typeof a === 'string' || typeof a === 'number') && (typeof b === 'string' || typeof b === 'number') && String(a) === String(b);
  if (scalar === 'bytes') return sameBytes(a, b);
  return false;
}

/**
 * Base64 that decodes to the same bytes. The server decodes `[]byte` fields as Go does (line
 * breaks ignored, padding required) and answers with one unbroken line, so Git's wrapped
 * base64 (a certificate from `base64`, wrapped at 76 columns) is the value the server holds.
 */
function sameBytes(a: unknown, b: unknown): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const bytes = (text: string) => {
    const joined = text.replace(/[\r\n]/g, '');
    return joined.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(joined) ? Buffer.from(joined, 'base64') : undefined;
  };
  const x = bytes(a);
  const y = bytes(b);
  return x !== undefined && y !== undefined && x.equals(y);
}

function isEmpty(value: unknown): boolean {
  return value === null || (Array.isArray(value) && value.length === 0) || (isJsonObject(value) && Object.keys(value).length === 0);
}

/** The values Go's `omitempty` leaves out. */
function isEmptyScalar(value: unknown): boolean {
  return value === '' || value === false || value === 0;
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
