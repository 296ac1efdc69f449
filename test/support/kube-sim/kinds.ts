/**
 * The built-in kinds the simulator serves, described the way discovery describes them, and the
 * Kubernetes versions that serve each group version (test/fixtures/kube-apiserver-*: the
 * discovery documents each real server answered with).
 */
export type KubeVersion = '1.19' | '1.32';

export interface SimKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Writes to the main resource ignore `status`; `/status` writes only status. */
  statusSubresource: boolean;
  /** metadata.generation is kept (bumped on changes outside metadata and status). */
  generation: boolean;
  /** Whether the kind's resource can be deleted as a collection (namespaces cannot). */
  deleteCollection: boolean;
}

interface KindOptions {
  short?: string[];
  categories?: string[];
  status?: boolean;
  generation?: boolean;
  /** The versions that serve this group version of the kind; both when unset. */
  servedIn?: KubeVersion[];
  /** The versions whose resource can be deleted as a collection; all when unset. */
  deleteCollection?: KubeVersion[];
}

interface KindEntry {
  kind: SimKind;
  servedIn: KubeVersion[];
  deleteCollection: KubeVersion[];
}

const BOTH: KubeVersion[] = ['1.19', '1.32'];
const ALL = ['all'];
const API_EXTENSIONS = ['api-extensions'];

function k(group: string, version: string, kind: string, plural: string, namespaced: boolean, options: KindOptions = {}): KindEntry {
  return {
    servedIn: options.servedIn ?? BOTH,
    deleteCollection: options.deleteCollection ?? BOTH,
    kind: {
      group,
      version,
      kind,
      plural,
      singular: kind.toLowerCase(),
      namespaced,
      ...(options.short ? { shortNames: options.short } : {}),
      ...(options.categories ? { categories: options.categories } : {}),
      statusSubresource: options.status ?? false,
      generation: options.generation ?? false,
      deleteCollection: true,
    },
  };
}

/**
 * Group versions that changed between the two releases are separate rows: 1.32 serves CronJob at
 * `batch/v1` only, PodDisruptionBudget at `policy/v1`, HorizontalPodAutoscaler at `autoscaling/v2`
 * and `v1`; 1.19 served their beta versions. Since 1.21 (1.32's capture shows it) Jobs and
 * CronJobs keep metadata.generation. Kinds whose beta shape differs from v1 (Ingress in
 * `extensions/v1beta1` and `networking.k8s.io/v1beta1`, CRDs in `apiextensions.k8s.io/v1beta1`)
 * are not modelled: the simulator stores one shape per kind.
 */
const TABLE: KindEntry[] = [
  k('', 'v1', 'Namespace', 'namespaces', false, { short: ['ns'], status: true, deleteCollection: [] }),
  k('', 'v1', 'ConfigMap', 'configmaps', true, { short: ['cm'] }),
  k('', 'v1', 'Secret', 'secrets', true),
  k('', 'v1', 'Service', 'services', true, { short: ['svc'], categories: ALL, status: true, deleteCollection: ['1.32'] }),
  k('', 'v1', 'ServiceAccount', 'serviceaccounts', true, { short: ['sa'] }),
  k('', 'v1', 'Pod', 'pods', true, { short: ['po'], categories: ALL, status: true }),
  k('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, { short: ['pvc'], status: true }),
  k('', 'v1', 'PersistentVolume', 'persistentvolumes', false, { short: ['pv'], status: true }),
  k('', 'v1', 'Endpoints', 'endpoints', true, { short: ['ep'] }),
  k('', 'v1', 'Event', 'events', true, { short: ['ev'] }),
  k('events.k8s.io', 'v1', 'Event', 'events', true, { short: ['ev'] }),
  k('events.k8s.io', 'v1beta1', 'Event', 'events', true, { short: ['ev'], servedIn: ['1.19'] }),
  k('apps', 'v1', 'Deployment', 'deployments', true, { short: ['deploy'], categories: ALL, status: true, generation: true }),
  k('apps', 'v1', 'StatefulSet', 'statefulsets', true, { short: ['sts'], categories: ALL, status: true, generation: true }),
  k('apps', 'v1', 'DaemonSet', 'daemonsets', true, { short: ['ds'], categories: ALL, status: true, generation: true }),
  k('apps', 'v1', 'ReplicaSet', 'replicasets', true, { short: ['rs'], categories: ALL, status: true, generation: true }),
  k('batch', 'v1', 'Job', 'jobs', true, { categories: ALL, status: true, generation: true, servedIn: ['1.32'] }),
  k('batch', 'v1', 'Job', 'jobs', true, { categories: ALL, status: true, servedIn: ['1.19'] }),
  k('batch', 'v1', 'CronJob', 'cronjobs', true, { short: ['cj'], categories: ALL, status: true, generation: true, servedIn: ['1.32'] }),
  k('batch', 'v1beta1', 'CronJob', 'cronjobs', true, { short: ['cj'], categories: ALL, status: true, servedIn: ['1.19'] }),
  k('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
  k('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true),
  k('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  k('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  k('rbac.authorization.k8s.io', 'v1beta1', 'Role', 'roles', true, { servedIn: ['1.19'] }),
  k('rbac.authorization.k8s.io', 'v1beta1', 'RoleBinding', 'rolebindings', true, { servedIn: ['1.19'] }),
  k('rbac.authorization.k8s.io', 'v1beta1', 'ClusterRole', 'clusterroles', false, { servedIn: ['1.19'] }),
  k('rbac.authorization.k8s.io', 'v1beta1', 'ClusterRoleBinding', 'clusterrolebindings', false, { servedIn: ['1.19'] }),
  k('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, { short: ['ing'], status: true, generation: true }),
  k('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', false, { generation: true }),
  k('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, { short: ['netpol'], generation: true }),
  k('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, { short: ['pdb'], status: true, generation: true, servedIn: ['1.32'] }),
  k('policy', 'v1beta1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, { short: ['pdb'], status: true, generation: true, servedIn: ['1.19'] }),
  k('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, { short: ['hpa'], categories: ALL, status: true, servedIn: ['1.32'] }),
  k('autoscaling', 'v1', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, { short: ['hpa'], categories: ALL, status: true }),
  k('autoscaling', 'v2beta2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, { short: ['hpa'], categories: ALL, status: true, servedIn: ['1.19'] }),
  k('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, { short: ['sc'] }),
  k('storage.k8s.io', 'v1beta1', 'StorageClass', 'storageclasses', false, { short: ['sc'], servedIn: ['1.19'] }),
  k('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, { short: ['crd', 'crds'], categories: API_EXTENSIONS, status: true, generation: true }),
  k('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  k('coordination.k8s.io', 'v1beta1', 'Lease', 'leases', true, { servedIn: ['1.19'] }),
  k('apiregistration.k8s.io', 'v1', 'APIService', 'apiservices', false, { categories: API_EXTENSIONS, status: true }),
  k('apiregistration.k8s.io', 'v1beta1', 'APIService', 'apiservices', false, { categories: API_EXTENSIONS, status: true, servedIn: ['1.19'] }),
  k('admissionregistration.k8s.io', 'v1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false, { categories: API_EXTENSIONS, generation: true }),
  k('admissionregistration.k8s.io', 'v1', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false, { categories: API_EXTENSIONS, generation: true }),
  k('admissionregistration.k8s.io', 'v1beta1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false, { categories: API_EXTENSIONS, generation: true, servedIn: ['1.19'] }),
  k('admissionregistration.k8s.io', 'v1beta1', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false, { categories: API_EXTENSIONS, generation: true, servedIn: ['1.19'] }),
];

/** The built-in kinds a Kubernetes version serves, in discovery order. */
export function builtinKinds(version: KubeVersion): SimKind[] {
  return TABLE.filter((entry) => entry.servedIn.includes(version)).map((entry) => ({ ...entry.kind, deleteCollection: entry.deleteCollection.includes(version) }));
}

/**
 * The order of groups in `/apis` as the real servers list them (the versions in a group are
 * listed preferred first). Groups the simulator does not model are in the list only to keep the
 * order; custom resource groups follow.
 */
export const GROUP_ORDER = [
  'apiregistration.k8s.io',
  'extensions',
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
];

export function groupVersionOf(kind: Pick<SimKind, 'group' | 'version'>): string {
  return kind.group ? `${kind.group}/${kind.version}` : kind.version;
}

/** `deployments.apps` / `configmaps`: how the API server names a resource in messages. */
export function qualifiedResource(kind: SimKind): string {
  return kind.group ? `${kind.plural}.${kind.group}` : kind.plural;
}

/** `Deployment.apps` / `ConfigMap`: how the API server names a kind in Invalid messages. */
export function qualifiedKind(kind: SimKind): string {
  return kind.group ? `${kind.kind}.${kind.group}` : kind.kind;
}

/** The verbs discovery lists for a resource. */
export function verbsOf(kind: SimKind): string[] {
  return ['create', 'delete', ...(kind.deleteCollection ? ['deletecollection'] : []), 'get', 'list', 'patch', 'update', 'watch'];
}
