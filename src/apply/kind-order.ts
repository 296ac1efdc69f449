import { groupOf } from '../objects.js';

/**
 * The built-in apply order of kinds: what other objects need comes first. Namespaces and CRDs,
 * then cluster-wide policy and RBAC, identities, configuration, storage, networking, workloads,
 * autoscaling, and last what routes traffic or intercepts API calls to workloads.
 */
const KIND_ORDER: string[][] = [
  ['Namespace', 'CustomResourceDefinition'],
  ['PriorityClass', 'StorageClass', 'IngressClass', 'RuntimeClass', 'PodSecurityPolicy', 'ResourceQuota', 'LimitRange', 'CSIDriver'],
  ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
  ['ServiceAccount'],
  ['ConfigMap', 'Secret'],
  ['PersistentVolume', 'PersistentVolumeClaim'],
  ['Service', 'Endpoints', 'EndpointSlice', 'NetworkPolicy'],
  ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod', 'ReplicationController'],
  ['HorizontalPodAutoscaler', 'PodDisruptionBudget'],
  ['Ingress'],
  ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'APIService'],
];

const RANKS = new Map<string, number>(KIND_ORDER.flatMap((kinds, rank) => kinds.map((kind) => [kind, rank] as [string, number])));
/** Custom resources and kinds ferry does not know go after workloads, before routing. */
const UNKNOWN_RANK = RANKS.get('HorizontalPodAutoscaler') as number;

/** The rank of a kind in the built-in order (lower applies first). */
export function kindRank(apiVersion: string, kind: string): number {
  const group = groupOf(apiVersion);
  if (group.includes('.') && !group.endsWith('.k8s.io')) return UNKNOWN_RANK;
  return RANKS.get(kind) ?? UNKNOWN_RANK;
}
