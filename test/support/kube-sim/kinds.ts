/**
 * The built-in kinds the simulator serves, described the way discovery describes them.
 */
export interface SimKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  /** Writes to the main resource ignore `status`; `/status` writes only status. */
  statusSubresource: boolean;
  /** metadata.generation is kept (bumped on changes outside metadata and status). */
  generation: boolean;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function k(group: string, version: string, kind: string, plural: string, namespaced: boolean, options: { short?: string[]; status?: boolean; generation?: boolean } = {}): SimKind {
  return {
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    ...(options.short ? { shortNames: options.short } : {}),
    statusSubresource: options.status ?? false,
    generation: options.generation ?? false,
  };
}

export const BUILTIN_KINDS: SimKind[] = [
  k('', 'v1', 'Namespace', 'namespaces', false, { short: ['ns'], status: true }),
  k('', 'v1', 'ConfigMap', 'configmaps', true, { short: ['cm'] }),
  k('', 'v1', 'Secret', 'secrets', true),
  k('', 'v1', 'Service', 'services', true, { short: ['svc'], status: true }),
  k('', 'v1', 'ServiceAccount', 'serviceaccounts', true, { short: ['sa'] }),
  k('', 'v1', 'Pod', 'pods', true, { short: ['po'], status: true }),
  k('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, { short: ['pvc'], status: true }),
  k('', 'v1', 'PersistentVolume', 'persistentvolumes', false, { short: ['pv'], status: true }),
  k('', 'v1', 'Endpoints', 'endpoints', true, { short: ['ep'] }),
  k('', 'v1', 'Event', 'events', true, { short: ['ev'] }),
  k('events.k8s.io', 'v1', 'Event', 'events', true, { short: ['ev'] }),
  k('apps', 'v1', 'Deployment', 'deployments', true, { short: ['deploy'], status: true, generation: true }),
  k('apps', 'v1', 'StatefulSet', 'statefulsets', true, { short: ['sts'], status: true, generation: true }),
  k('apps', 'v1', 'DaemonSet', 'daemonsets', true, { short: ['ds'], status: true, generation: true }),
  k('apps', 'v1', 'ReplicaSet', 'replicasets', true, { short: ['rs'], status: true, generation: true }),
  k('batch', 'v1', 'Job', 'jobs', true, { status: true }),
  k('batch', 'v1', 'CronJob', 'cronjobs', true, { short: ['cj'], status: true }),
  k('batch', 'v1beta1', 'CronJob', 'cronjobs', true, { short: ['cj'], status: true }),
  k('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
  k('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true),
  k('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  k('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  k('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, { short: ['ing'], status: true, generation: true }),
  k('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', false, { generation: true }),
  k('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, { short: ['netpol'], generation: true }),
  k('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, { short: ['pdb'], status: true, generation: true }),
  k('policy', 'v1beta1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, { short: ['pdb'], status: true, generation: true }),
  k('autoscaling', 'v1', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, { short: ['hpa'], status: true }),
  k('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, { short: ['hpa'], status: true }),
  k('autoscaling', 'v2beta2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, { short: ['hpa'], status: true }),
  k('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, { short: ['sc'] }),
  k('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, { short: ['crd', 'crds'], status: true, generation: true }),
  k('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  k('apiregistration.k8s.io', 'v1', 'APIService', 'apiservices', false, { status: true }),
  k('admissionregistration.k8s.io', 'v1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false, { generation: true }),
  k('admissionregistration.k8s.io', 'v1', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false, { generation: true }),
];

/** The discovery document (APIResourceList) of one group version. */
export function resourceList(groupVersion: string, kinds: SimKind[]): Record<string, unknown> {
  const resources: Record<string, unknown>[] = [];
  for (const kind of kinds) {
    resources.push({
      name: kind.plural,
      singularName: kind.singular,
      namespaced: kind.namespaced,
      kind: kind.kind,
      verbs: VERBS,
      ...(kind.shortNames ? { shortNames: kind.shortNames } : {}),
    });
    if (kind.statusSubresource) {
      resources.push({ name: `${kind.plural}/status`, singularName: '', namespaced: kind.namespaced, kind: kind.kind, verbs: ['get', 'patch', 'update'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

export function groupVersionOf(kind: SimKind): string {
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
