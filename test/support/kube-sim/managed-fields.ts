/**
 * metadata.managedFields as kube-apiserver keeps them (structured-merge-diff): each write through
 * a non-apply verb compares the object before and after, and the writer (its `fieldManager`, or
 * its User-Agent up to the first `/`) comes to own every field it added or changed, taking them
 * from other managers; a server-side apply owns exactly the fields it sent. Lists merge the way
 * the schema says (`k:{…}` for keyed lists, `v:…` for sets, atomic lists as one leaf); a node that
 * did not exist before and has children is marked with `"."`.
 *
 * "Before" for a create is the kind's zero value as Go writes it: non-pointer structs (marked
 * `default: {}` in the OpenAPI documents) are present, which is why `spec.strategy` owns no "."
 * but `spec.strategy.rollingUpdate` does (test/fixtures/kube-apiserver-1.32/01-*.json).
 */
import { isDeepStrictEqual } from 'node:util';
import type { SchemaView } from './schema.js';

type Obj = Record<string, any>;

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Update' | 'Apply';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Obj;
  subresource?: string;
}

/** A field path: elements written as in fieldsV1 (`f:spec`, `k:{"name":"web"}`, `v:"a"`, `i:0`). */
export type Path = string[];
export type PathSet = Map<string, Path>;

export const pathKey = (path: Path) => JSON.stringify(path);
const key = pathKey;

/** Fields the field manager never tracks (structured-merge-diff's stripped fields). */
const STRIPPED_METADATA = ['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'];

function isPlainObject(value: unknown): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

// ---- comparing two versions of an object ------------------------------------------------------

interface Comparison {
  added: PathSet;
  modified: PathSet;
  removed: PathSet;
}

export function listElement(view: SchemaView | undefined, item: unknown, index: number): string {
  if (view?.listType === 'map' && isPlainObject(item)) {
    const keys = [...view.listKeys].filter((name) => item[name] !== undefined).sort();
    return `k:${JSON.stringify(Object.fromEntries(keys.map((name) => [name, item[name]])))}`;
  }
  if (view?.listType === 'set') return `v:${JSON.stringify(item)}`;
  return `i:${index}`;
}

export function shapeOf(view: SchemaView | undefined, value: unknown): 'leaf' | 'list' | 'object' {
  const shape = view?.shape ?? 'any';
  if (shape === 'scalar') return 'leaf';
  if (shape === 'list') return view?.listType === 'atomic' ? 'leaf' : 'list';
  if (shape === 'struct' || shape === 'map') return view?.atomic ? 'leaf' : 'object';
  // No schema (or one that allows anything): maps are granular, lists atomic, as deduced types are.
  return isPlainObject(value) ? 'object' : 'leaf';
}

function compareValues(lhs: unknown, rhs: unknown, view: SchemaView | undefined, path: Path, result: Comparison): void {
  const shape = shapeOf(view, rhs ?? lhs);
  const leaf = () => {
    if (lhs === undefined) result.added.set(key(path), path);
    else if (rhs === undefined) result.removed.set(key(path), path);
    else if (!isDeepStrictEqual(lhs, rhs)) result.modified.set(key(path), path);
  };
  // Both sides empty (or null): compared as a leaf, which keeps `resources: {}` owned.
  if (shape === 'leaf' || (isEmpty(lhs) && isEmpty(rhs))) {
    leaf();
    return;
  }
  if (shape === 'list') {
    const items = view?.items;
    const index = (list: unknown) => {
      const byElement = new Map<string, unknown>();
      if (Array.isArray(list)) list.forEach((item, i) => byElement.set(listElement(view, item, i), item));
      return byElement;
    };
    const left = index(lhs);
    const right = index(rhs);
    for (const element of new Set([...left.keys(), ...right.keys()])) compareValues(left.get(element), right.get(element), items, [...path, element], result);
  } else {
    const left = isPlainObject(lhs) ? lhs : {};
    const right = isPlainObject(rhs) ? rhs : {};
    for (const name of new Set([...Object.keys(left), ...Object.keys(right)])) {
      const child = view?.shape === 'struct' ? view.field(name) : view?.shape === 'map' ? view.element : undefined;
      compareValues(left[name], right[name], child, [...path, `f:${name}`], result);
    }
  }
  // A container that appears (or disappears) as a whole is itself added (or removed).
  if (path.length > 0 && lhs === undefined) result.added.set(key(path), path);
  else if (path.length > 0 && rhs === undefined) result.removed.set(key(path), path);
}

/** The fields a server-side apply configuration sets (structured-merge-diff's ToFieldSet). */
export function fieldSetOf(value: unknown, view: SchemaView | undefined, path: Path, out: PathSet): void {
  const shape = shapeOf(view, value);
  if (shape === 'leaf') {
    out.set(key(path), path);
    return;
  }
  if (shape === 'list') {
    if (!Array.isArray(value)) return;
    value.forEach((item, i) => {
      const itemPath = [...path, listElement(view, item, i)];
      fieldSetOf(item, view?.items, itemPath, out);
      out.set(key(itemPath), itemPath);
    });
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [name, inner] of Object.entries(value)) {
    const declared = view?.shape === 'struct' ? view.field(name) : undefined;
    const child = declared ?? (view?.shape === 'map' ? view.element : undefined);
    const childPath = [...path, `f:${name}`];
    fieldSetOf(inner, child, childPath, out);
    if (inner === null || (isPlainObject(inner) && Object.keys(inner).length === 0) || !declared) out.set(key(childPath), childPath);
  }
}

// ---- fieldsV1 encoding ------------------------------------------------------------------------

interface Tree {
  member: boolean;
  children: Map<string, Tree>;
}

const ELEMENT_ORDER = ['f', 'k', 'v', 'i'];

function encode(paths: PathSet): Obj {
  const root: Tree = { member: false, children: new Map() };
  for (const path of paths.values()) {
    let node = root;
    for (const element of path) {
      let child = node.children.get(element);
      if (!child) {
        child = { member: false, children: new Map() };
        node.children.set(element, child);
      }
      node = child;
    }
    node.member = true;
  }
  const write = (node: Tree): Obj => {
    const out: Obj = {};
    if (node.member && node.children.size > 0) out['.'] = {};
    const names = [...node.children.keys()].sort((a, b) => ELEMENT_ORDER.indexOf(a[0] as string) - ELEMENT_ORDER.indexOf(b[0] as string) || (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) out[name] = write(node.children.get(name) as Tree);
    return out;
  };
  return write(root);
}

export function decodeFields(fields: Obj | undefined): PathSet {
  const out: PathSet = new Map();
  const read = (node: Obj, path: Path) => {
    for (const [name, inner] of Object.entries(node)) {
      if (name === '.') continue;
      const childPath = [...path, name];
      const children = Object.keys(inner as Obj);
      if (children.length === 0 || children.includes('.')) out.set(key(childPath), childPath);
      read(inner as Obj, childPath);
    }
  };
  if (fields) read(fields, []);
  return out;
}

// ---- the field manager ------------------------------------------------------------------------

/**
 * The part of an object a write can own: a write to the main resource never owns status (it is
 * reset there), a write through `/status` never owns spec (a controller's `/status` write may
 * carry annotations, as the Deployment controller's revision does).
 */
function tracked(object: Obj | undefined, subresource: string | undefined, statusSubresource: boolean): Obj {
  if (!object) return {};
  if (subresource === 'status') {
    const { spec: _spec, ...rest } = object;
    return rest;
  }
  if (!statusSubresource) return object;
  const { status: _status, ...rest } = object;
  return rest;
}

/** Paths the field manager never records (structured-merge-diff's strip set; exact paths, not subtrees). */
const STRIPPED: Path[] = [['f:apiVersion'], ['f:kind'], ['f:metadata'], ...STRIPPED_METADATA.map((name) => ['f:metadata', `f:${name}`])];

export function strip(paths: PathSet): PathSet {
  for (const path of STRIPPED) paths.delete(key(path));
  return paths;
}

/**
 * An object of the kind as Go writes an empty one: what a create is compared against. Custom
 * resources start from an empty object.
 */
export function zeroObject(view: SchemaView | undefined, custom: boolean): Obj {
  if (!view || custom) return {};
  return zeroOf(view) as Obj;
}

function zeroOf(view: SchemaView): unknown {
  const out: Obj = {};
  const required = view.required;
  for (const name of view.fieldNames) {
    const field = view.field(name) as SchemaView;
    if (field.alwaysPresent && field.shape === 'struct') out[name] = zeroOf(field);
    else if (required.includes(name)) out[name] = zeroScalar(field);
  }
  // A zero metav1.Time writes null, and ObjectMeta holds one that is not a pointer.
  if (view.isObjectMeta) out.creationTimestamp = null;
  return out;
}

function zeroScalar(view: SchemaView): unknown {
  switch (view.node.type) {
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

export interface Write {
  manager: string;
  operation: 'Update' | 'Apply';
  /** The group version the write was made at. */
  apiVersion: string;
  subresource?: string;
  /** Whether status lives in a subresource (then writes to the main resource never own it). */
  statusSubresource: boolean;
  /** Whether entries name their subresource (1.22+). */
  recordSubresource: boolean;
  time: string;
}

function identity(entry: Pick<ManagedFieldsEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  // Appliers keep one entry across versions; updaters one per version (BuildManagerIdentifier).
  return JSON.stringify([entry.manager, entry.operation, entry.operation === 'Apply' ? '' : entry.apiVersion, entry.subresource ?? '']);
}

const OPERATION_ORDER = { Apply: 0, Update: 1 } as const;

function sorted(entries: ManagedFieldsEntry[]): ManagedFieldsEntry[] {
  const seconds = (entry: ManagedFieldsEntry) => Math.floor(Date.parse(entry.time) / 1000);
  return entries.sort(
    (a, b) =>
      OPERATION_ORDER[a.operation] - OPERATION_ORDER[b.operation] ||
      seconds(a) - seconds(b) ||
      (a.manager < b.manager ? -1 : a.manager > b.manager ? 1 : 0) ||
      (a.apiVersion < b.apiVersion ? -1 : a.apiVersion > b.apiVersion ? 1 : 0) ||
      ((a.subresource ?? '') < (b.subresource ?? '') ? -1 : 1),
  );
}

/**
 * The managedFields after a write that changed `before` into `after` (`before` undefined: a
 * create). For `Apply`, `applied` is the configuration sent: the applier owns exactly its fields.
 */
export function nextManagedFields(
  entries: ManagedFieldsEntry[] | undefined,
  before: Obj | undefined,
  after: Obj,
  view: SchemaView | undefined,
  write: Write,
  options: { zero: Obj; applied?: Obj },
): ManagedFieldsEntry[] | undefined {
  const lhs = tracked(before ?? options.zero, write.subresource, write.statusSubresource);
  const rhs = tracked(after, write.subresource, write.statusSubresource);
  const comparison: Comparison = { added: new Map(), modified: new Map(), removed: new Map() };
  compareValues(lhs, rhs, view, [], comparison);
  strip(comparison.added);
  strip(comparison.modified);
  strip(comparison.removed);
  const changed = comparison.added.size + comparison.modified.size + comparison.removed.size > 0;
  if (!changed && write.operation === 'Update') return entries;

  const subresource = write.subresource && write.recordSubresource ? write.subresource : undefined;
  const own = { manager: write.manager, operation: write.operation, apiVersion: write.apiVersion, ...(subresource ? { subresource } : {}) };
  const managers = new Map<string, { entry: ManagedFieldsEntry; fields: PathSet; touched: boolean }>();
  for (const entry of entries ?? []) managers.set(identity(entry), { entry, fields: decodeFields(entry.fieldsV1), touched: false });

  const taken = new Map([...comparison.added, ...comparison.modified]);
  for (const [id, manager] of managers) {
    if (id === identity(own)) continue;
    for (const path of [...taken.keys(), ...comparison.removed.keys()]) {
      if (manager.fields.delete(path)) manager.touched = true;
    }
  }
  const mine = managers.get(identity(own)) ?? { entry: { ...own, time: write.time, fieldsType: 'FieldsV1' as const, fieldsV1: {} }, fields: new Map(), touched: true };
  if (write.operation === 'Apply') {
    const applied: PathSet = new Map();
    fieldSetOf(tracked(options.applied ?? after, write.subresource, write.statusSubresource), view, [], applied);
    mine.fields = strip(applied);
  } else {
    for (const [id, path] of taken) mine.fields.set(id, path);
    for (const id of comparison.removed.keys()) mine.fields.delete(id);
  }
  mine.touched = true;
  managers.set(identity(own), mine);

  const next: ManagedFieldsEntry[] = [];
  for (const manager of managers.values()) {
    if (manager.fields.size === 0) continue;
    if (!manager.touched) {
      next.push(manager.entry);
      continue;
    }
    const isMine = manager === mine;
    next.push({ ...manager.entry, ...(isMine ? { time: write.time } : {}), fieldsV1: encode(manager.fields) });
  }
  return next.length > 0 ? sorted(next) : undefined;
}
