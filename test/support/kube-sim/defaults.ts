/**
 * The defaults kube-apiserver fills in, as the captured `stored` objects show
 * (test/fixtures/kube-apiserver-<version>/NN-*.json). They come in two steps, and the difference
 * shows in managedFields: `applyDefaults` runs while the request is decoded (the writer owns what
 * it fills in: Service `internalTrafficPolicy`, Job `completionMode`, …); `prepareForCreate` runs
 * in the storage layer after the field manager (nobody owns a Service's allocated `clusterIP`,
 * `ipFamilies` and `ipFamilyPolicy`, or a Job's generated selector and labels).
 */
import { canonicalQuantity } from './quantity.js';
import type { KubeVersion } from './versions.js';

type Obj = Record<string, any>;

/** Defaults set while decoding a request body (and on every update, as decoding does). */
export function applyDefaults(object: Obj, version: KubeVersion): void {
  const spec = object.spec as Obj | undefined;
  const v132 = version === '1.32';
  switch (object.kind) {
    case 'Deployment':
      if (!spec) break;
      spec.replicas ??= 1;
      spec.strategy ??= {};
      spec.strategy.type ??= 'RollingUpdate';
      if (spec.strategy.type === 'RollingUpdate') spec.strategy.rollingUpdate = { maxUnavailable: '25%', maxSurge: '25%', ...spec.strategy.rollingUpdate };
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      defaultPodTemplate(spec.template);
      break;
    case 'StatefulSet':
      if (!spec) break;
      spec.replicas ??= 1;
      spec.podManagementPolicy ??= 'OrderedReady';
      spec.updateStrategy ??= {};
      spec.updateStrategy.type ??= 'RollingUpdate';
      if (spec.updateStrategy.type === 'RollingUpdate') spec.updateStrategy.rollingUpdate = { partition: 0, ...spec.updateStrategy.rollingUpdate };
      spec.revisionHistoryLimit ??= 10;
      if (v132) spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Retain', whenScaled: 'Retain', ...spec.persistentVolumeClaimRetentionPolicy };
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
      spec.updateStrategy ??= {};
      spec.updateStrategy.type ??= 'RollingUpdate';
      if (spec.updateStrategy.type === 'RollingUpdate') spec.updateStrategy.rollingUpdate = { maxUnavailable: 1, ...(v132 ? { maxSurge: 0 } : {}), ...spec.updateStrategy.rollingUpdate };
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
      if (v132) {
        spec.manualSelector ??= false;
        spec.completionMode ??= 'NonIndexed';
        spec.suspend ??= false;
        spec.podReplacementPolicy ??= 'TerminatingOrFailed';
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
      if (v132 && spec.type !== 'ExternalName') spec.internalTrafficPolicy ??= 'Cluster';
      for (const port of spec.ports ?? []) {
        port.protocol ??= 'TCP';
        if (spec.type !== 'ExternalName') port.targetPort ??= port.port;
      }
      if (spec.type === 'LoadBalancer' || spec.type === 'NodePort') spec.externalTrafficPolicy ??= 'Cluster';
      if (v132 && spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
      break;
    case 'PersistentVolumeClaim':
      defaultPvcSpec(spec);
      object.status = { phase: 'Pending', ...object.status };
      break;
    case 'Secret':
      object.type ??= 'Opaque';
      if (object.stringData && typeof object.stringData === 'object') {
        object.data ??= {};
        for (const [key, value] of Object.entries(object.stringData)) object.data[key] = Buffer.from(String(value)).toString('base64');
        delete object.stringData;
      }
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
      object.status = { storedVersions: (spec.versions ?? []).filter((v: Obj) => v.storage).map((v: Obj) => v.name), ...object.status };
      spec.conversion ??= { strategy: 'None' };
      if (spec.names) {
        spec.names.singular ??= String(spec.names.kind).toLowerCase();
        spec.names.listKind ??= `${spec.names.kind}List`;
      }
      break;
  }
}

export interface Allocator {
  clusterIP(): string;
  nodePort(): number;
}

/**
 * What the storage layer sets on create, after the field manager ran: allocated addresses,
 * generated selectors, finalizers and the status a new object starts with (the `create` answers).
 */
export function prepareForCreate(object: Obj, version: KubeVersion, allocate: Allocator): void {
  const spec = object.spec as Obj | undefined;
  const v132 = version === '1.32';
  switch (object.kind) {
    case 'Service':
      if (!spec) break;
      if (spec.type !== 'ExternalName') {
        spec.clusterIP ??= allocate.clusterIP();
        if (v132) {
          spec.clusterIPs ??= [spec.clusterIP];
          spec.ipFamilies ??= ['IPv4'];
          spec.ipFamilyPolicy ??= 'SingleStack';
        }
      }
      if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') for (const port of spec.ports ?? []) port.nodePort ??= allocate.nodePort();
      object.status = { loadBalancer: {} };
      break;
    case 'Job': {
      if (!spec || spec.manualSelector === true) break;
      // The Job's own uid labels its pods; 1.27+ also writes the batch.kubernetes.io/ forms.
      const uid = object.metadata.uid as string;
      const name = object.metadata.name as string;
      const labels = v132
        ? { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': name, 'controller-uid': uid, 'job-name': name }
        : { 'controller-uid': uid, 'job-name': name };
      spec.selector = { matchLabels: v132 ? { 'batch.kubernetes.io/controller-uid': uid } : { 'controller-uid': uid } };
      spec.template ??= {};
      spec.template.metadata ??= {};
      spec.template.metadata.labels = { ...labels, ...spec.template.metadata.labels };
      object.metadata.labels = { ...labels, ...object.metadata.labels };
      object.status = {};
      break;
    }
    case 'PersistentVolumeClaim':
      object.metadata.finalizers ??= ['kubernetes.io/pvc-protection'];
      object.status = { phase: 'Pending' };
      break;
    case 'Namespace':
      object.spec = { finalizers: ['kubernetes'], ...object.spec };
      object.status = { phase: 'Active' };
      break;
    case 'Ingress':
      object.status = { loadBalancer: {} };
      break;
    case 'Deployment':
    case 'CronJob':
      object.status = {};
      break;
    case 'StatefulSet':
      object.status = v132 ? { replicas: 0, availableReplicas: 0 } : { replicas: 0 };
      break;
    case 'DaemonSet':
      object.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
      break;
    case 'PodDisruptionBudget':
      object.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
      break;
    case 'HorizontalPodAutoscaler':
      object.status = v132 ? { desiredReplicas: 0, currentMetrics: null } : { currentReplicas: 0, desiredReplicas: 0, currentMetrics: null, conditions: null };
      break;
    case 'CustomResourceDefinition':
      object.status = { conditions: null, acceptedNames: { plural: '', kind: '' }, storedVersions: (spec?.versions ?? []).filter((v: Obj) => v.storage).map((v: Obj) => v.name) };
      break;
  }
}

/**
 * Allocated values an update leaves out are kept (1.20+): a Service applied with `clusterIP: ""`
 * or without nodePorts keeps the ones it has. 1.19 refused such an update as an immutable change.
 */
export function keepAllocatedValues(previous: Obj, next: Obj, version: KubeVersion): void {
  if (version === '1.19' || next.kind !== 'Service') return;
  const before = previous.spec ?? {};
  const after = (next.spec ??= {});
  const needsClusterIP = (spec: Obj) => (spec.type ?? 'ClusterIP') !== 'ExternalName';
  if (needsClusterIP(before) && needsClusterIP(after)) {
    if (!after.clusterIP) after.clusterIP = before.clusterIP;
    if (!after.clusterIPs?.length) after.clusterIPs = before.clusterIPs;
    // A changed clusterIP with unchanged clusterIPs: the first of them follows (normalizeClusterIPs).
    else if (after.clusterIP !== before.clusterIP && JSON.stringify(after.clusterIPs) === JSON.stringify(before.clusterIPs)) after.clusterIPs = [after.clusterIP, ...after.clusterIPs.slice(1)];
    after.ipFamilies ??= before.ipFamilies;
    after.ipFamilyPolicy ??= before.ipFamilyPolicy;
  }
  const hadNodePorts = before.type === 'NodePort' || before.type === 'LoadBalancer';
  const hasNodePorts = after.type === 'NodePort' || after.type === 'LoadBalancer';
  if (hadNodePorts && hasNodePorts) {
    for (const port of after.ports ?? []) {
      if (port.nodePort) continue;
      const old = (before.ports ?? []).find((candidate: Obj) => candidate.port === port.port && (candidate.protocol ?? 'TCP') === (port.protocol ?? 'TCP'));
      if (old?.nodePort) port.nodePort = old.nodePort;
    }
    if (!after.healthCheckNodePort && before.healthCheckNodePort) after.healthCheckNodePort = before.healthCheckNodePort;
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
