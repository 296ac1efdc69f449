import type { KubeObject } from '../objects.js';
import { isJsonObject } from '../objects.js';
import { builtinType } from './builtin-schemas.js';
import type { KindSchema, SchemaNode } from './schema.js';
import { compactSchema } from './schema-compact.js';
import { SchemaReader } from './schema-from-openapi.js';

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/**
 * The schema of a custom resource from its CustomResourceDefinition: the `openAPIV3Schema` of
 * `version` (default: the storage version) read with the same markers as the server's OpenAPI
 * (`x-kubernetes-list-type`, `x-kubernetes-list-map-keys`, `x-kubernetes-map-type`,
 * `x-kubernetes-int-or-string`, `x-kubernetes-preserve-unknown-fields`), with `metadata` merged
 * as the server merges every object's metadata (ownerReferences by uid, finalizers as a set).
 * A version without a schema gives a schema in which every list is atomic. Undefined when the CRD
 * has no such version.
 */
export function schemaFromCrd(crd: KubeObject, version?: string): KindSchema | undefined {
  const spec = isJsonObject(crd.spec) ? crd.spec : {};
  const names = isJsonObject(spec.names) ? spec.names : {};
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isJsonObject) : [];
  const chosen = versions.find((v) => (version ? v.name === version : v.storage === true)) ?? (version ? undefined : versions[0]);
  if (!chosen || typeof spec.group !== 'string' || typeof names.kind !== 'string') return undefined;
  const validation = isJsonObject(chosen.schema) ? chosen.schema : isJsonObject(spec.validation) ? spec.validation : {};
  const raw = isJsonObject(validation.openAPIV3Schema) ? validation.openAPIV3Schema : {};
  const meta = builtinType(OBJECT_META);
  const root: SchemaNode = new SchemaReader(() => undefined, true).node(raw);
  root.fields = { ...root.fields, metadata: OBJECT_META };
  const compact = compactSchema(root, meta.types);
  return { group: spec.group, version: String(chosen.name), kind: names.kind, storage: 'custom', root: compact.root, types: compact.types };
}
