/**
 * The part of kube-apiserver's bootstrap RBAC policy the simulated cluster starts with: the
 * superuser role and its binding to `system:masters`, what every user may read (discovery, the
 * version, who it is), and the user-facing `admin`, `edit` and `view` roles, aggregated from their
 * `system:aggregate-to-*` parts (`admin` takes in `edit`, which takes in `view`) — the parts name the resources of the kinds the simulator serves
 * (and their usual subresources), not every resource of a real server.
 */
import type { PolicyRule } from './rules.js';

type Obj = Record<string, any>;

const RBAC = 'rbac.authorization.k8s.io';
const METADATA = { labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } };
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const READ_WRITE = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const AGGREGATE = (to: string) => `${RBAC}/aggregate-to-${to}`;

const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ verbs, apiGroups, resources });
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

function clusterRole(name: string, body: { rules?: PolicyRule[]; labels?: Record<string, string>; aggregateFrom?: string }): Obj {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: { name, labels: { ...METADATA.labels, ...body.labels }, annotations: { ...METADATA.annotations } },
    ...(body.aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE(body.aggregateFrom)]: 'true' } }] } } : {}),
    ...(body.rules ? { rules: body.rules } : {}),
  };
}

function clusterRoleBinding(name: string, groups: string[]): Obj {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { ...METADATA.labels }, annotations: { ...METADATA.annotations } },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name },
    subjects: groups.map((group) => ({ apiGroup: RBAC, kind: 'Group', name: group })),
  };
}

const VIEW_RULES: PolicyRule[] = [
  rule(READ, [''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status']),
  rule(READ, [''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status']),
  // Reading namespaces in a namespace means reading that one namespace.
  rule(READ, [''], ['namespaces']),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  rule(READ, ['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status']),
  rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
  rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  rule(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
];

/** Secrets, pod exec and service-account impersonation are edit's, not view's: they escalate. */
const EDIT_RULES: PolicyRule[] = [
  rule(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
  rule(['impersonate'], [''], ['serviceaccounts']),
  rule(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
  rule(['create'], [''], ['pods/eviction']),
  rule(WRITE, [''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(WRITE, ['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
  rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
  rule(WRITE, ['batch'], ['cronjobs', 'jobs']),
  rule(WRITE, ['policy'], ['poddisruptionbudgets']),
  rule(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
];

const ADMIN_RULES: PolicyRule[] = [rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']), rule(READ_WRITE, [RBAC], ['rolebindings', 'roles'])];

/** The ClusterRoles and ClusterRoleBindings a new cluster has, in the order they are created. */
export function bootstrapPolicy(): Obj[] {
  return [
    clusterRole('cluster-admin', { rules: [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])] }),
    clusterRole('system:discovery', { rules: [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])] }),
    clusterRole('system:basic-user', { rules: [rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']), rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews'])] }),
    clusterRole('system:public-info-viewer', { rules: [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])] }),
    clusterRole('admin', { aggregateFrom: 'admin' }),
    clusterRole('edit', { aggregateFrom: 'edit', labels: { [AGGREGATE('admin')]: 'true' } }),
    clusterRole('view', { aggregateFrom: 'view', labels: { [AGGREGATE('edit')]: 'true' } }),
    clusterRole('system:aggregate-to-admin', { rules: ADMIN_RULES, labels: { [AGGREGATE('admin')]: 'true' } }),
    clusterRole('system:aggregate-to-edit', { rules: EDIT_RULES, labels: { [AGGREGATE('edit')]: 'true' } }),
    clusterRole('system:aggregate-to-view', { rules: VIEW_RULES, labels: { [AGGREGATE('view')]: 'true' } }),
    clusterRoleBinding('cluster-admin', ['system:masters']),
    clusterRoleBinding('system:discovery', ['system:authenticated']),
    clusterRoleBinding('system:basic-user', ['system:authenticated']),
    clusterRoleBinding('system:public-info-viewer', ['system:authenticated', 'system:unauthenticated']),
  ];
}
