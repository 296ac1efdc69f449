import type { KubeObject } from '../objects.js';
import { isJsonObject } from '../objects.js';

/**
 * Merge keys of lists, by path pattern: field names from the object root, `[]` for "inside a
 * list element" — `spec.ports` → ['name'], `spec.groups[].rules` → ['id']. Lists without a key
 * are atomic: replaced as a whole.
 */
export interface ListKeySchema {
  [pathPattern: string]: string[];
}

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/**
 * The merge key of the list at `path` (field names, `[]` for list elements), for built-in kinds
 * as Kubernetes' strategic merge defines them, then for custom resources from their CRD schema.
 */
export function listKeyFor(kind: string, path: string[], custom: ListKeySchema): string[] | undefined {
  const pattern = path.join('.').replace(/\.\[\]/g, '[]');
  if (custom[pattern]) return custom[pattern];
  const name = path[path.length - 1] ?? '';
  const parent = path[path.length - 3];
  if (CONTAINER_LISTS.has(name)) return ['name'];
  if (parent !== undefined && CONTAINER_LISTS.has(parent) && path[path.length - 2] === '[]') {
    if (name === 'env') return ['name'];
    if (name === 'ports') return ['containerPort', 'protocol'];
    if (name === 'volumeMounts') return ['mountPath'];
    if (name === 'volumeDevices') return ['devicePath'];
  }
  if (name === 'volumes' || name === 'imagePullSecrets') return ['name'];
  if (name === 'hostAliases') return ['ip'];
  if (kind === 'Service' && pattern === 'spec.ports') return ['port', 'protocol'];
  return undefined;
}

/** Default values of key fields: a port without protocol is TCP. */
export function keyValue(element: unknown, field: string): unknown {
  if (!isJsonObject(element)) return undefined;
  const value = element[field];
  if (value === undefined && field === 'protocol') return 'TCP';
  return value;
}

/**
 * List keys of a custom resource's CRD: every array declared `x-kubernetes-list-type: map` with
 * its `x-kubernetes-list-map-keys`, for the given version (default: the storage version).
 */
export function listKeysFromCrd(crd: KubeObject, version?: string): ListKeySchema {
  const spec = isJsonObject(crd.spec) ? crd.spec : {};
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isJsonObject) : [];
  const chosen = versions.find((v) => (version ? v.name === version : v.storage === true)) ?? versions[0];
  const schema = isJsonObject(chosen?.schema) && isJsonObject(chosen.schema.openAPIV3Schema) ? chosen.schema.openAPIV3Schema : undefined;
  const keys: ListKeySchema = {};
  const walk = (node: Record<string, unknown>, path: string) => {
    if (node['x-kubernetes-list-type'] === 'map' && Array.isArray(node['x-kubernetes-list-map-keys'])) {
      keys[path] = node['x-kubernetes-list-map-keys'].map(String);
    }
    if (isJsonObject(node.properties)) {
      for (const [name, child] of Object.entries(node.properties)) if (isJsonObject(child)) walk(child, path ? `${path}.${name}` : name);
    }
    if (isJsonObject(node.items)) walk(node.items, `${path}[]`);
  };
  if (schema) walk(schema, '');
  return keys;
}
