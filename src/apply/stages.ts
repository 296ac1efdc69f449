import type { ObjectRef } from '../objects.js';
import { groupOf } from '../objects.js';
import type { Plan, PlannedLayer } from './planner.js';

/**
 * Namespaces and CustomResourceDefinitions: what the server needs before it can validate the
 * rest of a revision (a dry run in a missing Namespace is a 404; a custom resource of a kind not
 * yet served has no schema). They are applied as a first stage, as Flux's staged apply does.
 */
export function isClusterDefinition(object: Pick<ObjectRef, 'apiVersion' | 'kind'>): boolean {
  const group = groupOf(object.apiVersion);
  return (object.kind === 'Namespace' && group === '') || (object.kind === 'CustomResourceDefinition' && group === 'apiextensions.k8s.io');
}

/** The plan's Namespaces and CRDs, each layer waiting only for objects of the same stage. */
export function stageOneLayers(plan: Plan): PlannedLayer[] {
  return nonEmpty(plan.layers.map((layer) => ({ ...layer, objects: layer.objects.filter(isClusterDefinition), waitFor: layer.waitFor.filter(isClusterDefinition) })));
}

/** Everything else, layer indexes as in the whole plan. */
export function stageTwoLayers(plan: Plan): PlannedLayer[] {
  return nonEmpty(plan.layers.map((layer) => ({ ...layer, objects: layer.objects.filter((object) => !isClusterDefinition(object)) })));
}

function nonEmpty(layers: PlannedLayer[]): PlannedLayer[] {
  return layers.filter((layer) => layer.objects.length > 0);
}
