import type { KubeObject } from '../objects.js';
import { isJsonObject } from '../objects.js';
import type { ListKeySchema } from './merge.js';
import { schemaFromCrd } from './schema-from-crd.js';

/**
 * The schemas of a CRD's kind, one per version, keyed `apiVersion/Kind`
 * (`example.com/v1/Widget`), so tables collected from many CRDs never change how another kind
 * merges. Prefer `schemaFromCrd` and `DiffOptions.schema`.
 */
export function listKeysFromCrd(crd: KubeObject): ListKeySchema {
  const spec = isJsonObject(crd.spec) ? crd.spec : {};
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isJsonObject) : [];
  const table: ListKeySchema = {};
  for (const version of versions) {
    const schema = schemaFromCrd(crd, String(version.name));
    if (schema) table[`${schema.group}/${schema.version}/${schema.kind}`] = schema;
  }
  return table;
}
