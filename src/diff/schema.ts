/**
 * What the server's schema says about one kind, reduced to what a three-way merge needs: how each
 * list merges (`map` by its keys, `set` by value, `atomic` replaced), which objects are replaced
 * as a whole, which scalars are quantities or int-or-string, where maps and free-form JSON are.
 * Built from an OpenAPI v3 document (schema-from-openapi.ts), a CRD version's `openAPIV3Schema`
 * (schema-from-crd.ts), or the built-in table for servers without OpenAPI v3 (builtin-schemas.ts).
 * Plain data: it can be cached, compared and serialised.
 */

/** How a list merges, from `x-kubernetes-list-type` (or the older `x-kubernetes-patch-merge-key`). */
export type ListSemantics =
  /** Entries are identified by `keys`; `keyDefaults` stand in for key fields an entry omits. */
  | { type: 'map'; keys: string[]; keyDefaults?: Record<string, string | number | boolean> }
  /** Entries are scalars identified by value. */
  | { type: 'set' };

/** One place in a schema. Absent properties mean "nothing special here". */
export interface SchemaNode {
  /** Named properties of a struct. */
  fields?: Record<string, SchemaLink>;
  /** A map (`additionalProperties`): every value has this schema. */
  values?: SchemaLink;
  /** The elements of a list. */
  items?: SchemaLink;
  /** A list that is not atomic. Lists without it are atomic (replaced as a whole). */
  list?: ListSemantics;
  /** `x-kubernetes-map-type: atomic`: the object is replaced as a whole, never merged. */
  atomic?: true;
  /**
   * Scalars compared by value: `500m` = `0.5` for a quantity, `8080` = `"8080"` for
   * int-or-string, base64 by the bytes it encodes (the server re-encodes them without line breaks).
   */
  scalar?: 'quantity' | 'int-or-string' | 'bytes';
  /** Free-form JSON (RawExtension, `x-kubernetes-preserve-unknown-fields`): kept exactly as sent. */
  opaque?: true;
  /**
   * A CRD's `x-kubernetes-validations` rule `self == oldSelf`: the server refuses any change of
   * the value once it is set, so changing it takes a delete and a create (spec.force).
   */
  immutable?: true;
}

/** A node, or the name of a shared type in `KindSchema.types` (which lets types recurse). */
export type SchemaLink = SchemaNode | string;

export interface KindSchema {
  group: string;
  version: string;
  kind: string;
  /**
   * `typed`: a kind the server keeps in Go types, whose empty optional fields (`""`, `false`, `0`)
   * it drops; `custom`: a custom resource, stored as sent.
   */
  storage: 'typed' | 'custom';
  root: SchemaLink;
  /** Shared named types (`io.k8s.api.core.v1.EnvVar`), referenced by name from links. */
  types: Record<string, SchemaNode>;
}

/** Where a merge is in a schema: the node, the name of its type (for the one-of table), and whether it is inside free-form JSON. */
export interface SchemaCursor {
  node: SchemaNode | undefined;
  typeName?: string;
  opaque: boolean;
  schema: KindSchema | undefined;
}

/** The cursor at the root of an object of the kind. */
export function rootCursor(schema: KindSchema | undefined): SchemaCursor {
  if (!schema) return { node: undefined, opaque: false, schema };
  return follow(schema, schema.root, false);
}

/** The cursor at field `key` of the object at `cursor` (a struct field or a map value). */
export function fieldCursor(cursor: SchemaCursor, key: string): SchemaCursor {
  const { node, schema } = cursor;
  if (cursor.opaque || !node || !schema) return { node: undefined, opaque: cursor.opaque, schema };
  const link = node.fields?.[key] ?? node.values;
  return link === undefined ? { node: undefined, opaque: false, schema } : follow(schema, link, false);
}

/** The cursor at the elements of the list at `cursor`. */
export function itemCursor(cursor: SchemaCursor): SchemaCursor {
  const { node, schema } = cursor;
  if (cursor.opaque || !node?.items || !schema) return { node: undefined, opaque: cursor.opaque, schema };
  return follow(schema, node.items, false);
}

/** True when `cursor` is a map (its keys are data, not field names). */
export function isMapCursor(cursor: SchemaCursor): boolean {
  return cursor.node?.values !== undefined;
}

/**
 * True when the server drops an empty value (`""`, `false`, `0`) of field `key` of the object at
 * `cursor`: a field of a struct of a typed kind (Go's `omitempty`) — never a map value, never a
 * custom resource, never free-form JSON.
 */
export function dropsEmptyField(cursor: SchemaCursor): boolean {
  return cursor.schema?.storage === 'typed' && !cursor.opaque && !isMapCursor(cursor);
}

function follow(schema: KindSchema, link: SchemaLink, opaque: boolean): SchemaCursor {
  if (typeof link === 'string') {
    const node = schema.types[link];
    return { node, typeName: link, opaque: opaque || node?.opaque === true, schema };
  }
  return { node: link, opaque: opaque || link.opaque === true, schema };
}

/** What a schema says at one place, for inspection. */
export interface SchemaFacts {
  /** A `map` or `set` list; lists without it are atomic. */
  list?: ListSemantics;
  atomic?: boolean;
  map?: boolean;
  scalar?: 'quantity' | 'int-or-string' | 'bytes';
  opaque?: boolean;
  immutable?: boolean;
  type?: string;
}

/**
 * What `schema` says at `path` (field names joined by dots, `[]` for "an element of the list":
 * `spec.template.spec.containers[].ports`). For logs, docs and specs; the merge walks the schema
 * itself.
 */
export function schemaAt(schema: KindSchema | undefined, path: string): SchemaFacts {
  let cursor = rootCursor(schema);
  for (const part of path.split('.').filter(Boolean)) {
    const [name = '', ...brackets] = part.split('[]');
    if (name) cursor = fieldCursor(cursor, name);
    for (let i = 0; i < brackets.length; i++) cursor = itemCursor(cursor);
  }
  const node = cursor.node;
  const facts: SchemaFacts = {};
  if (node?.list) facts.list = node.list;
  if (node?.atomic) facts.atomic = true;
  if (node?.values !== undefined) facts.map = true;
  if (node?.scalar) facts.scalar = node.scalar;
  if (node?.immutable) facts.immutable = true;
  if (cursor.opaque) facts.opaque = true;
  if (cursor.typeName) facts.type = cursor.typeName;
  return facts;
}

/**
 * True when the field at `path`, as the server names fields in its errors (`spec.region`,
 * `spec.buckets[0].name`, `spec.labels[tier]`), or an object it lies within, is immutable.
 */
export function isImmutableField(schema: KindSchema | undefined, path: string): boolean {
  let cursor = rootCursor(schema);
  for (const part of path.match(/[^.[\]]+|\[[^\]]*\]/g) ?? []) {
    if (part.startsWith('[')) cursor = isMapCursor(cursor) ? fieldCursor(cursor, part.slice(1, -1)) : itemCursor(cursor);
    else cursor = fieldCursor(cursor, part);
    if (!cursor.node) return false;
    if (cursor.node.immutable) return true;
  }
  return false;
}
