import type { ObjectRef } from '../objects.js';
import { groupOf } from '../objects.js';
import { InvalidError } from '../kube/index.js';
import { isImmutableField, type KindSchema } from '../diff/index.js';

/**
 * Fields the API server lets a client set only when an object is created, per built-in `group/Kind`
 * (a custom resource's come from its CRD's schema, `self == oldSelf` rules): what
 * its update validation refuses (`FieldValueInvalid` "field is immutable" / "may not change once
 * set", or `FieldValueForbidden` for a whole `spec`, as StatefulSet, Pod and PVC updates answer).
 * Judged by the Status cause's field and reason, never by its message text: StatefulSet's
 * "updates to statefulset spec for fields other than …" does not say "immutable".
 */
const IMMUTABLE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'apps/Deployment': ['spec.selector'],
  'apps/ReplicaSet': ['spec.selector'],
  'apps/DaemonSet': ['spec.selector'],
  'apps/StatefulSet': ['spec', 'spec.selector', 'spec.serviceName', 'spec.volumeClaimTemplates', 'spec.podManagementPolicy'],
  'batch/Job': ['spec.selector', 'spec.template', 'spec.completions', 'spec.completionMode', 'spec.podFailurePolicy', 'spec.manualSelector'],
  '/Service': ['spec.clusterIP', 'spec.clusterIPs', 'spec.ipFamilies'],
  '/Pod': ['spec'],
  '/ConfigMap': ['data', 'binaryData', 'immutable'],
  '/Secret': ['data', 'immutable', 'type'],
  '/PersistentVolumeClaim': ['spec'],
  '/PersistentVolume': ['spec', 'spec.persistentvolumesource'],
  'rbac.authorization.k8s.io/RoleBinding': ['roleRef'],
  'rbac.authorization.k8s.io/ClusterRoleBinding': ['roleRef'],
  'storage.k8s.io/StorageClass': ['parameters', 'provisioner', 'reclaimPolicy', 'volumeBindingMode'],
  'storage.k8s.io/CSIDriver': ['spec'],
  'apiextensions.k8s.io/CustomResourceDefinition': ['spec.scope', 'spec.group', 'spec.names'],
};

/** The cause reasons update validation gives an immutable field. */
const IMMUTABLE_REASONS = new Set(['FieldValueInvalid', 'FieldValueForbidden']);

/**
 * Kinds ferry never deletes to recreate, whatever force says: deleting a claim or a volume loses
 * its data, deleting a Namespace deletes everything in it, deleting a CRD deletes every custom
 * resource of its kind.
 */
const NEVER_RECREATED = new Set(['/PersistentVolumeClaim', '/PersistentVolume', '/Namespace', 'apiextensions.k8s.io/CustomResourceDefinition']);

/**
 * The immutable fields a refused update tried to change, when that is the only reason the server
 * refused it (422 Invalid whose every cause is an immutable field of the kind, by the built-in
 * table or by the kind's schema); undefined for any other error, including an update that is also
 * invalid for another reason.
 */
export function immutableFieldsOf(ref: ObjectRef, error: unknown, schema?: KindSchema): string[] | undefined {
  if (!(error instanceof InvalidError) || error.reason !== 'Invalid' || error.causes.length === 0) return undefined;
  const fields = IMMUTABLE_FIELDS[`${groupOf(ref.apiVersion)}/${ref.kind}`] ?? [];
  const isImmutable = (path: string) => fields.some((field) => isWithin(path, field)) || isImmutableField(schema, path);
  const immutable = error.causes.every((cause) => cause.field !== undefined && IMMUTABLE_REASONS.has(cause.reason ?? '') && isImmutable(cause.field));
  return immutable ? [...new Set(error.causes.map((cause) => cause.field as string))] : undefined;
}

/** True for kinds ferry refuses to delete and create again (PVC, PV, Namespace, CRD). */
export function isNeverRecreated(ref: ObjectRef): boolean {
  return NEVER_RECREATED.has(`${groupOf(ref.apiVersion)}/${ref.kind}`);
}

/** `spec.clusterIPs[0]` is within `spec.clusterIPs`; `spec.selectorX` is not within `spec.selector`. */
function isWithin(path: string, field: string): boolean {
  return path === field || path.startsWith(`${field}.`) || path.startsWith(`${field}[`);
}
