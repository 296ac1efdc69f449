import type { KubeObject } from '../objects.js';
import { groupOf } from '../objects.js';

/** True for a CustomResourceDefinition. */
export function isCrd(object: KubeObject): boolean {
  return object.kind === 'CustomResourceDefinition' && groupOf(object.apiVersion) === 'apiextensions.k8s.io';
}

/** True when `crd` declares the group and kind of `object`. */
export function crdDefines(crd: KubeObject, object: KubeObject): boolean {
  const spec = crd.spec as { group?: string; names?: { kind?: string } } | undefined;
  return spec?.group === groupOf(object.apiVersion) && spec?.names?.kind === object.kind;
}

/** True for a kind served by a CRD rather than built into the API server. */
export function isCustomGroup(apiVersion: string): boolean {
  const group = groupOf(apiVersion);
  return group.includes('.') && !group.endsWith('.k8s.io');
}
