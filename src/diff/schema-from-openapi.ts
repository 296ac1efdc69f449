import { isJsonObject } from '../objects.js';
import type { KindSchema, ListSemantics, SchemaLink, SchemaNode } from './schema.js';
import { compactSchema } from './schema-compact.js';

/** The group, version and kind a schema is wanted for (`group` is `''` for the core group). */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const REF_PREFIX = '#/components/schemas/';
/** Named types whose values the merge compares by meaning, or keeps as sent. */
const SCALAR_TYPES: Record<string, SchemaNode> = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': { scalar: 'quantity' },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { scalar: 'int-or-string' },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': { opaque: true },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': { opaque: true },
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1beta1.JSON': { opaque: true },
};

interface ParsedDocument {
  types: Record<string, SchemaNode>;
  /** `group/version/kind` → the definition that describes it. */
  kinds: Map<string, string>;
  compacted: Map<string, KindSchema>;
}

const parsed = new WeakMap<object, ParsedDocument>();

/**
 * The schema of one kind from an OpenAPI v3 document, as the server serves it at
 * `/openapi/v3/apis/<group>/<version>` (or `/openapi/v3/api/v1`): the definition whose
 * `x-kubernetes-group-version-kind` names the kind, with every `$ref` and `allOf` wrapper followed,
 * reduced to list semantics, atomic objects, quantities and int-or-string. Custom resources are
 * served in the same documents and come out the same way. Undefined when the document does not
 * describe the kind, or no document is given. Parsing is remembered per document object, so
 * asking for many kinds of one (cached) document is cheap.
 */
export function schemaFromOpenApi(document: unknown, gvk: GroupVersionKind): KindSchema | undefined {
  // No document (a server without /openapi/v3): no schema, so the caller's fallback applies.
  if (document === undefined || document === null) return undefined;
  const doc = parseDocument(document);
  const id = `${gvk.group}/${gvk.version}/${gvk.kind}`;
  const cached = doc.compacted.get(id);
  if (cached) return cached;
  const root = doc.kinds.get(id);
  if (!root) return undefined;
  const { types } = compactSchema(root, doc.types);
  const schema: KindSchema = { ...gvk, storage: isCustomResourceDefinitionName(root, gvk) ? 'custom' : 'typed', root, types };
  doc.compacted.set(id, schema);
  return schema;
}

/** Every kind an OpenAPI v3 document describes (its `x-kubernetes-group-version-kind` entries with a definition). */
export function kindsInOpenApi(document: unknown): GroupVersionKind[] {
  return [...parseDocument(document).kinds.keys()].map((id) => {
    const [group = '', version = '', kind = ''] = id.split('/');
    return { group, version, kind };
  });
}

function parseDocument(document: unknown): ParsedDocument {
  if (!isJsonObject(document)) throw new TypeError('schemaFromOpenApi: the OpenAPI document is not a JSON object');
  const known = parsed.get(document);
  if (known) return known;
  const components = isJsonObject(document.components) ? document.components : {};
  const definitions = isJsonObject(components.schemas) ? components.schemas : {};
  const types: Record<string, SchemaNode> = {};
  const kinds = new Map<string, string>();
  const reader = new SchemaReader((name) => (isJsonObject(definitions[name]) ? (definitions[name] as Record<string, unknown>) : undefined));
  for (const [name, definition] of Object.entries(definitions)) {
    if (!isJsonObject(definition) || name in SCALAR_TYPES) continue;
    types[name] = reader.node(definition);
    const gvks = definition['x-kubernetes-group-version-kind'];
    if (!Array.isArray(gvks)) continue;
    for (const entry of gvks) {
      if (!isJsonObject(entry)) continue;
      const id = `${String(entry.group ?? '')}/${String(entry.version ?? '')}/${String(entry.kind ?? '')}`;
      // A definition describes the kind when it has the kind's fields (DeleteOptions and
      // WatchEvent carry many GVKs but are not those kinds).
      if (!kinds.has(id) && String(entry.kind) === lastSegment(name)) kinds.set(id, name);
    }
  }
  const result: ParsedDocument = { types, kinds, compacted: new Map() };
  parsed.set(document, result);
  return result;
}

/**
 * Reads OpenAPI v3 / JSON-schema nodes (the server's documents and CRDs' `openAPIV3Schema` alike)
 * into schema nodes. `resolve` finds a named definition; CRD schemas have none.
 */
export class SchemaReader {
  /**
   * @param resolve finds a named definition (CRD schemas have none).
   * @param customResource the schema is a CRD's: the server applies its defaults (zero ones
   *   included; in the built-in documents a zero default, `""` or `0`, is how a required Go field
   *   is spelt) and stores `format: byte` strings as sent (a built-in kind stores bytes and
   *   re-encodes them).
   */
  constructor(
    private readonly resolve: (name: string) => Record<string, unknown> | undefined,
    private readonly customResource = false,
  ) {}

  /** A property's schema: a link to a named type, or an inline node. */
  link(schema: Record<string, unknown>): SchemaLink {
    const ref = singleRef(schema);
    if (ref !== undefined) {
      const special = SCALAR_TYPES[ref];
      if (special) return special;
      const local = this.localMarkers(schema);
      if (Object.keys(local).length === 0) return ref;
      // Markers on the wrapper itself (`x-kubernetes-map-type: atomic` beside the `$ref`).
      const target = this.resolve(ref);
      return { ...(target ? this.node(target) : {}), ...local };
    }
    return this.node(schema);
  }

  /** A schema's own node (its `$ref`, if any, is not followed). */
  node(schema: Record<string, unknown>): SchemaNode {
    const node: SchemaNode = this.localMarkers(schema);
    if (isJsonObject(schema.properties)) {
      const fields: Record<string, SchemaLink> = {};
      for (const [name, property] of Object.entries(schema.properties)) if (isJsonObject(property)) fields[name] = this.link(property);
      node.fields = fields;
    }
    if (isJsonObject(schema.additionalProperties)) node.values = this.link(schema.additionalProperties);
    else if (schema.additionalProperties === true) node.values = { opaque: true };
    if (isJsonObject(schema.items)) {
      node.items = this.link(schema.items);
      const list = this.listSemantics(schema);
      if (list) node.list = list;
    }
    // An object embedded whole (a CR's pod template): the server treats its metadata as ObjectMeta.
    if (schema['x-kubernetes-embedded-resource'] === true) node.fields = { ...node.fields, metadata: OBJECT_META };
    const preserves = schema['x-kubernetes-preserve-unknown-fields'] === true;
    if (preserves && !node.fields && !node.values && !node.items) node.opaque = true;
    if (schema.format === 'int-or-string' || schema['x-kubernetes-int-or-string'] === true) node.scalar = 'int-or-string';
    else if (schema.format === 'byte' && !this.customResource) node.scalar = 'bytes';
    return node;
  }

  private localMarkers(schema: Record<string, unknown>): SchemaNode {
    const node: SchemaNode = schema['x-kubernetes-map-type'] === 'atomic' ? { atomic: true } : {};
    if (hasImmutabilityRule(schema)) node.immutable = true;
    return node;
  }

  /**
   * `x-kubernetes-list-type` first (what the server's own merge follows); without it, the older
   * strategic-merge markers: a `merge` strategy with a merge key is a map, without one a set.
   */
  private listSemantics(schema: Record<string, unknown>): ListSemantics | undefined {
    const listType = schema['x-kubernetes-list-type'];
    const mergeKey = schema['x-kubernetes-patch-merge-key'];
    const strategy = String(schema['x-kubernetes-patch-strategy'] ?? '').split(',');
    let keys: string[] | undefined;
    if (listType === 'map' && Array.isArray(schema['x-kubernetes-list-map-keys'])) keys = schema['x-kubernetes-list-map-keys'].map(String);
    else if (listType === 'set') return { type: 'set' };
    else if (listType === undefined && strategy.includes('merge')) {
      if (typeof mergeKey !== 'string') return { type: 'set' };
      keys = [mergeKey];
    }
    if (!keys || keys.length === 0) return undefined;
    const keyDefaults = this.keyDefaults(schema.items as Record<string, unknown>, keys);
    return keyDefaults ? { type: 'map', keys, keyDefaults } : { type: 'map', keys };
  }

  /** Defaults the schema declares for key fields (a port's `protocol` is `TCP`): an entry without a key and without a default has no identity. */
  private keyDefaults(items: Record<string, unknown>, keys: string[]): Record<string, string | number | boolean> | undefined {
    const ref = singleRef(items);
    const element = ref !== undefined ? this.resolve(ref) : items;
    const properties = element && isJsonObject(element.properties) ? element.properties : {};
    const defaults: Record<string, string | number | boolean> = {};
    for (const key of keys) {
      const property = properties[key];
      const value = isJsonObject(property) ? property.default : undefined;
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
      if (this.customResource || (value !== '' && value !== 0 && value !== false)) defaults[key] = value;
    }
    return Object.keys(defaults).length > 0 ? defaults : undefined;
  }
}

/** A CEL rule that refuses every change of the value (`self == oldSelf`, either way round). */
function hasImmutabilityRule(schema: Record<string, unknown>): boolean {
  const rules = schema['x-kubernetes-validations'];
  return Array.isArray(rules) && rules.some((rule) => isJsonObject(rule) && typeof rule.rule === 'string' && /^(self\s*==\s*oldSelf|oldSelf\s*==\s*self)$/.test(rule.rule.trim()));
}

/** The name a `$ref` (or an `allOf` of exactly one `$ref`) points to. */
function singleRef(schema: Record<string, unknown>): string | undefined {
  if (typeof schema.$ref === 'string') return schema.$ref.startsWith(REF_PREFIX) ? schema.$ref.slice(REF_PREFIX.length) : schema.$ref;
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1 && isJsonObject(schema.allOf[0])) return singleRef(schema.allOf[0]);
  return undefined;
}

function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/**
 * The server names a custom resource's definition after its group reversed, its version and
 * kind (`example.com/v1 Widget` → `com.example.v1.Widget`); built-in kinds are named after their
 * Go package (`io.k8s.api.apps.v1.Deployment`).
 */
function isCustomResourceDefinitionName(name: string, gvk: GroupVersionKind): boolean {
  if (!gvk.group.includes('.')) return false;
  return name === `${gvk.group.split('.').reverse().join('.')}.${gvk.version}.${gvk.kind}`;
}
