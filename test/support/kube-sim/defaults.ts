/**
 * The defaults kube-apiserver fills in on create and update, as the captured `stored` objects
 * show (test/fixtures/kube-apiserver-1.19/NN-*.json). They are why a naive diff is noisy.
 */
import { randomUUID } from 'node:crypto';
import { canonicalQuantity } from './quantity.js';

type Obj = Record<string, any>;

export function applyDefaults(object: Obj, allocateClusterIP: () => string): void {
  const spec = object.spec as Obj | undefined;
  switch (object.kind) {
    case 'Deployment':
      if (!spec) break;
      spec.replicas ??= 1;
      spec.strategy ??= { type: 'RollingUpdate' };
      if (spec.strategy.type === 'RollingUpdate') spec.strategy.rollingUpdate = { maxUnavailable: '25%', maxSurge: '25%', ...spec.strategy.rollingUpdate };
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      defaultPodTemplate(spec.template);
      break;
    case 'StatefulSet':
      if (!spec) break;
      spec.replicas ??= 1;
      spec.podManagementPolicy ??= 'OrderedReady';
      spec.updateStrategy ??= { type: 'RollingUpdate' };
      if (spec.updateStrategy.type === 'RollingUpdate') spec.updateStrategy.rollingUpdate = { partition: 0, ...spec.updateStrategy.rollingUpdate };
      spec.revisionHistoryLimit ??= 10;
      defaultPodTemplate(spec.template);
      for (const claim of spec.volumeClaimTemplates ?? []) {
        claim.apiVersion ??= 'v1';
        claim.kind ??= 'PersistentVolumeClaim';
        claim.metadata = { creationTimestamp: null, ...claim.metadata };
        defaultPvcSpec(claim.spec);
        claim.status ??= { phase: 'Pending' };
      }
      break;
    case 'DaemonSet':
      if (!spec) break;
      spec.updateStrategy ??= { type: 'RollingUpdate' };
      if (spec.updateStrategy.type === 'RollingUpdate') spec.updateStrategy.rollingUpdate = { maxUnavailable: 1, ...spec.updateStrategy.rollingUpdate };
      spec.revisionHistoryLimit ??= 10;
      defaultPodTemplate(spec.template);
      object.metadata.annotations = { 'deprecated.daemonset.template.generation': String(object.metadata.generation ?? 1), ...object.metadata.annotations };
      break;
    case 'ReplicaSet':
      if (!spec) break;
      spec.replicas ??= 1;
      defaultPodTemplate(spec.template);
      break;
    case 'Job':
      if (!spec) break;
      spec.parallelism ??= 1;
      spec.completions ??= 1;
      spec.backoffLimit ??= 6;
      if (!spec.selector) {
        const uid = object.metadata.uid ?? randomUUID();
        spec.selector = { matchLabels: { 'controller-uid': uid } };
        spec.template ??= {};
        spec.template.metadata ??= {};
        spec.template.metadata.labels = { 'controller-uid': uid, 'job-name': object.metadata.name, ...spec.template.metadata.labels };
        object.metadata.labels = { 'controller-uid': uid, 'job-name': object.metadata.name, ...object.metadata.labels };
      }
      defaultPodTemplate(spec.template);
      break;
    case 'CronJob':
      if (!spec) break;
      spec.concurrencyPolicy ??= 'Allow';
      spec.suspend ??= false;
      spec.successfulJobsHistoryLimit ??= 3;
      spec.failedJobsHistoryLimit ??= 1;
      spec.jobTemplate ??= {};
      spec.jobTemplate.metadata = { creationTimestamp: null, ...spec.jobTemplate.metadata };
      defaultPodTemplate(spec.jobTemplate.spec?.template);
      break;
    case 'Pod':
      defaultPodSpec(spec);
      break;
    case 'Service':
      if (!spec) break;
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      if (spec.type !== 'ExternalName' && spec.clusterIP === undefined) spec.clusterIP = allocateClusterIP();
      for (const port of spec.ports ?? []) {
        port.protocol ??= 'TCP';
        port.targetPort ??= port.port;
        if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') port.nodePort ??= 30000 + Math.floor(Math.random() * 2767);
      }
      if (spec.type === 'LoadBalancer' || spec.type === 'NodePort') spec.externalTrafficPolicy ??= 'Cluster';
      object.status ??= { loadBalancer: {} };
      break;
    case 'PersistentVolumeClaim':
      defaultPvcSpec(spec);
      object.metadata.finalizers ??= ['kubernetes.io/pvc-protection'];
      object.status ??= { phase: 'Pending' };
      break;
    case 'Secret':
      object.type ??= 'Opaque';
      if (object.stringData && typeof object.stringData === 'object') {
        object.data ??= {};
        for (const [key, value] of Object.entries(object.stringData)) object.data[key] = Buffer.from(String(value)).toString('base64');
        delete object.stringData;
      }
      break;
    case 'Namespace':
      object.spec = { finalizers: ['kubernetes'], ...object.spec };
      object.status ??= { phase: 'Active' };
      break;
    case 'Ingress':
      object.status ??= { loadBalancer: {} };
      break;
    case 'NetworkPolicy':
      if (!spec) break;
      for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) for (const port of rule.ports ?? []) port.protocol ??= 'TCP';
      spec.policyTypes ??= spec.egress ? ['Ingress', 'Egress'] : ['Ingress'];
      break;
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      for (const subject of object.subjects ?? []) if (subject.kind !== 'ServiceAccount') subject.apiGroup ??= 'rbac.authorization.k8s.io';
      break;
    case 'CustomResourceDefinition':
      if (!spec) break;
      spec.conversion ??= { strategy: 'None' };
      spec.names.singular ??= String(spec.names.kind).toLowerCase();
      spec.names.listKind ??= `${spec.names.kind}List`;
      break;
  }
}

function defaultPodTemplate(template: Obj | undefined): void {
  if (!template) return;
  template.metadata = { creationTimestamp: null, ...template.metadata };
  defaultPodSpec(template.spec);
}

function defaultPodSpec(spec: Obj | undefined): void {
  if (!spec) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  if (spec.serviceAccountName && !spec.serviceAccount) spec.serviceAccount = spec.serviceAccountName;
  for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    container.resources ??= {};
    for (const bucket of ['limits', 'requests']) {
      const values = container.resources[bucket];
      if (values) for (const key of Object.keys(values)) values[key] = canonicalQuantity(values[key]);
    }
    container.terminationMessagePath ??= '/dev/termination-log';
    container.terminationMessagePolicy ??= 'File';
    const image = String(container.image ?? '');
    const tag = image.includes('@') ? 'digest' : image.slice(image.lastIndexOf('/') + 1).split(':')[1];
    container.imagePullPolicy ??= !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
    for (const port of container.ports ?? []) port.protocol ??= 'TCP';
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      const p = container[probe];
      if (p) {
        p.timeoutSeconds ??= 1;
        p.periodSeconds ??= 10;
        p.successThreshold ??= 1;
        p.failureThreshold ??= 3;
        if (p.httpGet) p.httpGet.scheme ??= 'HTTP';
      }
    }
    for (const env of container.env ?? []) {
      if (env.valueFrom?.fieldRef) env.valueFrom.fieldRef.apiVersion ??= 'v1';
    }
  }
  for (const volume of spec.volumes ?? []) {
    if (volume.configMap) volume.configMap.defaultMode ??= 420;
    if (volume.secret) volume.secret.defaultMode ??= 420;
    if (volume.projected) volume.projected.defaultMode ??= 420;
    if (volume.emptyDir?.sizeLimit) volume.emptyDir.sizeLimit = canonicalQuantity(volume.emptyDir.sizeLimit);
  }
}

function defaultPvcSpec(spec: Obj | undefined): void {
  if (!spec) return;
  spec.volumeMode ??= 'Filesystem';
  const requests = spec.resources?.requests;
  if (requests) for (const key of Object.keys(requests)) requests[key] = canonicalQuantity(requests[key]);
}
