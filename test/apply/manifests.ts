/** Manifests the apply specs use, in the shapes real repositories hold. */
import type { KubeObject } from '../../src/objects.js';

export const configMap = (namespace: string, name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
  data,
});

export const job = (namespace: string, name: string, image: string): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace },
  spec: {
    backoffLimit: 2,
    template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image, command: ['./migrate', '--to=latest'] }] } },
  },
});

export const deployment = (namespace: string, name: string, options: { image?: string; selector?: Record<string, string>; claim?: string } = {}): KubeObject => {
  const labels = options.selector ?? { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name, image: options.image ?? 'nginx:1.27', ...(options.claim ? { volumeMounts: [{ name: 'data', mountPath: '/data' }] } : {}) }],
          ...(options.claim ? { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: options.claim } }] } : {}),
        },
      },
    },
  };
};

export const service = (namespace: string, name: string, clusterIP?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { ...(clusterIP ? { clusterIP } : {}), selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
});

export const roleBinding = (namespace: string, name: string, role: string): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: { name, namespace },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
  subjects: [{ kind: 'ServiceAccount', name: 'default', namespace }],
});

export const claim = (namespace: string, name: string, options: { storageClassName?: string; size?: string } = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace },
  spec: {
    accessModes: ['ReadWriteOnce'],
    ...(options.storageClassName ? { storageClassName: options.storageClassName } : {}),
    resources: { requests: { storage: options.size ?? '1Gi' } },
  },
});

export const namespace = (name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels },
});

/** A CRD of `group` defining `Widget` (plural `widgets`), namespaced, any spec accepted. */
export const widgetCrd = (group: string): KubeObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
});

export const widget = (group: string, namespace: string, name: string, spec: Record<string, unknown> = { size: 3 }): KubeObject => ({
  apiVersion: `${group}/v1`,
  kind: 'Widget',
  metadata: { name, namespace },
  spec,
});
