/**
 * Server-side apply's merge of a configuration into the live object: fields merge the way the
 * schema says (structs and maps by key, keyed lists by their keys, sets by value, atomic values
 * replaced); a field another manager owns with a different value is a conflict unless `force`;
 * a field this manager applied before and no longer sends is removed, unless someone else owns it.
 */
import { isDeepStrictEqual } from 'node:util';
import { decodeFields, fieldSetOf, listElement, shapeOf, strip, type ManagedFieldsEntry, type Path, type PathSet } from './managed-fields.js';
import type { SchemaView } from './schema.js';
import { ApiFailure } from './status.js';

type Obj = Record<string, any>;

function isPlainObject(value: unknown): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function merge(live: unknown, config: unknown, view: SchemaView | undefined): unknown {
  const shape = shapeOf(view, config);
  if (shape === 'leaf' || live === undefined || live === null) return structuredClone(config);
  if (shape === 'list') {
    if (!Array.isArray(live) || !Array.isArray(config)) return structuredClone(config);
    const result = [...live];
    config.forEach((item, i) => {
      const element = listElement(view, item, i);
      const at = result.findIndex((candidate, j) => listElement(view, candidate, j) === element);
      if (at === -1) result.push(structuredClone(item));
      else result[at] = merge(result[at], item, view?.items);
    });
    return result;
  }
  if (!isPlainObject(live) || !isPlainObject(config)) return structuredClone(config);
  const result: Obj = { ...live };
  for (const [name, inner] of Object.entries(config)) {
    const child = view?.shape === 'struct' ? view.field(name) : view?.shape === 'map' ? view.element : undefined;
    result[name] = merge(live[name], inner, child);
  }
  return result;
}

/** The value at a field path (undefined when absent). */
function valueAt(object: unknown, path: Path, view: SchemaView | undefined): unknown {
  let node: unknown = object;
  let schema = view;
  for (const element of path) {
    if (element.startsWith('f:')) {
      if (!isPlainObject(node)) return undefined;
      const name = element.slice(2);
      schema = schema?.shape === 'struct' ? schema.field(name) : schema?.shape === 'map' ? schema.element : undefined;
      node = node[name];
    } else {
      if (!Array.isArray(node)) return undefined;
      const list = node;
      node = list.find((item, i) => listElement(schema, item, i) === element);
      schema = schema?.items;
    }
  }
  return node;
}

function removeAt(object: Obj, path: Path, view: SchemaView | undefined): void {
  const parentPath = path.slice(0, -1);
  const last = path[path.length - 1] as string;
  let parentView = view;
  for (const element of parentPath) {
    parentView = element.startsWith('f:')
      ? parentView?.shape === 'struct'
        ? parentView.field(element.slice(2))
        : parentView?.shape === 'map'
          ? parentView.element
          : undefined
      : parentView?.items;
  }
  const parent = parentPath.length === 0 ? object : valueAt(object, parentPath, view);
  if (last.startsWith('f:') && isPlainObject(parent)) delete parent[last.slice(2)];
  else if (Array.isArray(parent)) {
    const at = parent.findIndex((item, i) => listElement(parentView, item, i) === last);
    if (at !== -1) parent.splice(at, 1);
  }
}

/** `.spec.template.spec.containers[name="web"].image`, as apply conflicts name fields. */
function describe(path: Path): string {
  return path
    .map((element) => {
      if (element.startsWith('f:')) return `.${element.slice(2)}`;
      if (element.startsWith('k:')) {
        const keys = JSON.parse(element.slice(2)) as Obj;
        return `[${Object.entries(keys)
          .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
          .join(',')}]`;
      }
      return `[${element.slice(2)}]`;
    })
    .join('');
}

/**
 * The object after applying `config` as `manager` over `live`; throws a 409 Conflict naming the
 * fields another manager owns with a different value, unless `force`.
 */
export function mergeApplied(live: Obj, config: Obj, view: SchemaView | undefined, manager: string, force: boolean): Obj {
  const entries = (live.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  const previous = entries.find((entry) => entry.manager === manager && entry.operation === 'Apply')?.fieldsV1;
  const applied: PathSet = new Map();
  fieldSetOf(config, view, [], applied);
  strip(applied);
  if (!force) {
    const conflicts: Array<{ manager: string; apiVersion: string; path: Path }> = [];
    for (const entry of entries) {
      if (entry.manager === manager && entry.operation === 'Apply') continue;
      const owned = decodeFields(entry.fieldsV1);
      for (const [id, path] of applied) {
        if (owned.has(id) && !isDeepStrictEqual(valueAt(live, path, view), valueAt(config, path, view))) conflicts.push({ manager: entry.manager, apiVersion: entry.apiVersion, path });
      }
    }
    if (conflicts.length > 0) throw conflictFailure(conflicts);
  }
  const merged = merge(live, config, view) as Obj;
  const others = new Set<string>();
  for (const entry of entries) {
    if (entry.manager === manager && entry.operation === 'Apply') continue;
    for (const id of decodeFields(entry.fieldsV1).keys()) others.add(id);
  }
  for (const [id, path] of decodeFields(previous)) {
    if (!applied.has(id) && !others.has(id)) removeAt(merged, path, view);
  }
  return merged;
}

/** Not in the fixtures: the shape of the conflict Status is taken from the apiserver's source. */
function conflictFailure(conflicts: Array<{ manager: string; apiVersion: string; path: Path }>): ApiFailure {
  const causes = conflicts.map((conflict) => ({ reason: 'FieldManagerConflict', message: `conflict with "${conflict.manager}" using ${conflict.apiVersion}`, field: describe(conflict.path) }));
  const summary = causes.length === 1 ? `${causes[0]?.message}: ${causes[0]?.field}` : causes.map((cause) => `${cause.message}: ${cause.field}`).join('\n');
  const message = `Apply failed with ${causes.length} conflict${causes.length === 1 ? '' : 's'}: ${summary}`;
  return new ApiFailure(409, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Conflict', details: { causes }, code: 409 });
}
