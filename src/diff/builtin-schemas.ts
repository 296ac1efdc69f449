import { groupOf, isJsonObject, versionOf } from '../objects.js';
import { BUILTIN_SCHEMA_TABLE } from './builtin-schemas.generated.js';
import type { KindSchema, SchemaNode } from './schema.js';
import { compactSchema } from './schema-compact.js';
import { kindsInOpenApi, schemaFromOpenApi } from './schema-from-openapi.js';

/**
 * The built-in kinds' schemas, for a server that offers no OpenAPI v3 (before 1.24 it may lack
 * `/openapi/v3`). Not a second opinion: the table is what schemaFromOpenApi reads from a real
 * 1.32 server's documents (see builtin-schemas.generated.ts for how it is made; a spec checks
 * that it still is).
 */
export interface BuiltinSchemaTable {
  /** `group/version/kind` → the name of its root type. */
  kinds: Record<string, string>;
  /** Every type any of the kinds reaches, compacted. */
  types: Record<string, SchemaNode>;
}

/** Older groups whose kinds moved: a 1.19 server's `extensions/v1beta1` Deployment merges as `apps/v1`'s. */
const BUILTIN_GROUPS = new Set([...Object.keys(BUILTIN_SCHEMA_TABLE.kinds).map((id) => id.slice(0, id.indexOf('/'))), 'extensions']);
const cache = new Map<string, KindSchema | null>();

/**
 * The built-in schema of a kind: the exact group/version/kind, else the same kind at another
 * version of its group (`batch/v1beta1` CronJob → `batch/v1`), else, for a built-in group, the
 * same kind in another built-in group. Undefined for kinds it does not know (custom resources).
 */
export function builtinSchema(apiVersion: string, kind: string): KindSchema | undefined {
  const group = groupOf(apiVersion);
  const id = `${group}/${versionOf(apiVersion)}/${kind}`;
  const known = cache.get(id);
  if (known !== undefined) return known ?? undefined;
  const ids = Object.keys(BUILTIN_SCHEMA_TABLE.kinds);
  const match =
    (id in BUILTIN_SCHEMA_TABLE.kinds ? id : undefined) ??
    ids.find((candidate) => candidate.startsWith(`${group}/`) && candidate.endsWith(`/${kind}`)) ??
    (BUILTIN_GROUPS.has(group) ? ids.find((candidate) => candidate.endsWith(`/${kind}`)) : undefined);
  const schema: KindSchema | undefined = match
    ? { group, version: versionOf(apiVersion), kind, storage: 'typed', root: BUILTIN_SCHEMA_TABLE.kinds[match] as string, types: BUILTIN_SCHEMA_TABLE.types }
    : undefined;
  cache.set(id, schema ?? null);
  return schema;
}

/** A built-in type with every type it reaches, for schemas that embed it (a CRD's `metadata`). */
export function builtinType(name: string): { root: string; types: Record<string, SchemaNode> } {
  let types = typeClosures.get(name);
  if (!types) typeClosures.set(name, (types = compactSchema(name, BUILTIN_SCHEMA_TABLE.types).types));
  return { root: name, types };
}
const typeClosures = new Map<string, Record<string, SchemaNode>>();

/**
 * Builds the table from OpenAPI v3 documents: every built-in kind that is an object with
 * metadata (no lists, no option types), with the types it reaches. Used to generate
 * builtin-schemas.generated.ts and by the spec that holds it to the documents.
 */
export function buildBuiltinTable(documents: unknown[]): BuiltinSchemaTable {
  const table: BuiltinSchemaTable = { kinds: {}, types: {} };
  for (const document of documents) {
    const definitions = isJsonObject(document) && isJsonObject(document.components) && isJsonObject(document.components.schemas) ? document.components.schemas : {};
    for (const gvk of kindsInOpenApi(document)) {
      const schema = schemaFromOpenApi(document, gvk);
      if (!schema || schema.storage !== 'typed' || typeof schema.root !== 'string') continue;
      const definition = definitions[schema.root];
      const metadata = isJsonObject(definition) && isJsonObject(definition.properties) ? JSON.stringify(definition.properties.metadata ?? '') : '';
      if (!metadata.includes('meta.v1.ObjectMeta"')) continue;
      const id = `${gvk.group}/${gvk.version}/${gvk.kind}`;
      table.kinds[id] = schema.root;
      for (const [name, node] of Object.entries(schema.types)) {
        const existing = table.types[name];
        if (existing && JSON.stringify(existing) !== JSON.stringify(node)) throw new Error(`buildBuiltinTable: two documents disagree about ${name}`);
        table.types[name] = node;
      }
    }
  }
  table.kinds = Object.fromEntries(Object.entries(table.kinds).sort(([a], [b]) => a.localeCompare(b)));
  table.types = Object.fromEntries(Object.entries(table.types).sort(([a], [b]) => a.localeCompare(b)));
  return table;
}
