/**
 * One small pure rule per kind: given the object as the API serves it, how healthy is it?
 * Rules read only status the controllers wrote; a status older than the spec
 * (observedGeneration behind generation) is never trusted.
 */
import type { KubeObject } from '../objects.js';
import { isJsonObject } from '../objects.js';
import { degraded, healthy, progressing, type Health } from './status.js';

type Obj = Record<string, any>;

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

function conditions(object: Obj): Condition[] {
  const list = object.status?.conditions;
  return Array.isArray(list) ? list.filter(isJsonObject) as unknown as Condition[] : [];
}

function condition(object: Obj, type: string): Condition | undefined {
  return conditions(object).find((c) => c.type === type);
}

function observedBehind(object: Obj): boolean {
  const generation = object.metadata?.generation;
  const observed = object.status?.observedGeneration;
  return typeof generation === 'number' && (typeof observed !== 'number' || observed < generation);
}

function deploymentHealth(d: Obj): Health {
  if (d.spec?.paused) return healthy('rollout is paused');
  // Status written for an older spec says nothing about this rollout, failed or not.
  if (observedBehind(d)) return progressing('waiting for the rollout to be observed');
  const progressingCondition = condition(d, 'Progressing');
  if (progressingCondition?.reason === 'ProgressDeadlineExceeded') {
    return degraded(`rollout exceeded its progress deadline: ${progressingCondition.message ?? ''}`.trim());
  }
  const wanted = d.spec?.replicas ?? 1;
  const status = d.status ?? {};
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const total = status.replicas ?? 0;
  if (updated < wanted) return progressing(`${updated} of ${wanted} replicas updated`);
  if (total > updated) return progressing(`${total - updated} old replicas pending termination`);
  if (available < updated) return progressing(`${available} of ${updated} updated replicas available`);
  return healthy(`${available} of ${wanted} replicas available`);
}

function statefulSetHealth(s: Obj): Health {
  if (observedBehind(s)) return progressing('waiting for the rollout to be observed');
  const wanted = s.spec?.replicas ?? 1;
  const status = s.status ?? {};
  const ready = status.readyReplicas ?? 0;
  if (ready < wanted) return progressing(`${ready} of ${wanted} replicas ready`);
  const strategy = s.spec?.updateStrategy;
  if (strategy?.type === 'OnDelete') return healthy(`${ready} replicas ready (OnDelete: pods update when deleted)`);
  const partition = strategy?.rollingUpdate?.partition ?? 0;
  if (partition > 0) {
    const updated = status.updatedReplicas ?? 0;
    if (updated < wanted - partition) return progressing(`${updated} of ${wanted - partition} replicas above partition ${partition} updated`);
    return healthy(`partitioned rollout: ${updated} replicas updated`);
  }
  if (status.updateRevision && status.currentRevision !== status.updateRevision) return progressing(`waiting for revision ${status.updateRevision} to roll out`);
  return healthy(`${ready} of ${wanted} replicas ready`);
}

function daemonSetHealth(d: Obj): Health {
  if (observedBehind(d)) return progressing('waiting for the rollout to be observed');
  const status = d.status ?? {};
  const desired = status.desiredNumberScheduled ?? 0;
  if (d.spec?.updateStrategy?.type === 'OnDelete') return healthy('OnDelete: pods update when deleted');
  const updated = status.updatedNumberScheduled ?? 0;
  const available = status.numberAvailable ?? 0;
  if (updated < desired) return progressing(`${updated} of ${desired} pods updated`);
  if (available < desired) return progressing(`${available} of ${desired} updated pods available`);
  return healthy(`${available} of ${desired} pods available`);
}

function replicaSetHealth(r: Obj): Health {
  if (observedBehind(r)) return progressing('waiting for the ReplicaSet to be observed');
  const wanted = r.spec?.replicas ?? 1;
  const available = r.status?.availableReplicas ?? 0;
  if (available < wanted) return progressing(`${available} of ${wanted} replicas available`);
  return healthy(`${available} of ${wanted} replicas available`);
}

function podHealth(p: Obj): Health {
  const status = p.status ?? {};
  for (const container of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const reason = container.state?.waiting?.reason;
    if (reason && /CrashLoopBackOff|ImagePullBackOff|ErrImagePull|InvalidImageName|CreateContainerConfigError|CreateContainerError/.test(reason)) {
      return degraded(`container ${container.name}: ${reason}${container.state.waiting.message ? `: ${container.state.waiting.message}` : ''}`);
    }
  }
  switch (status.phase) {
    case 'Succeeded':
      return healthy('pod completed');
    case 'Failed':
      return degraded(status.message ?? 'pod failed');
    case 'Running': {
      if (p.spec?.restartPolicy === 'Never' || p.spec?.restartPolicy === 'OnFailure') return progressing('pod is running');
      const ready = condition(p, 'Ready');
      return ready?.status === 'True' ? healthy('pod is ready') : progressing('pod is running but not ready');
    }
    default:
      return progressing(`pod is ${String(status.phase ?? 'Pending').toLowerCase()}`);
  }
}

function jobHealth(j: Obj): Health {
  const failed = condition(j, 'Failed');
  if (failed?.status === 'True') return degraded(`job failed: ${failed.reason ?? ''}${failed.message ? `: ${failed.message}` : ''}`);
  const complete = condition(j, 'Complete');
  if (complete?.status === 'True') return healthy('job completed');
  if (j.spec?.suspend) return healthy('job is suspended');
  return progressing(`job is running (${j.status?.active ?? 0} active, ${j.status?.succeeded ?? 0} succeeded)`);
}

function pvcHealth(p: Obj): Health {
  switch (p.status?.phase) {
    case 'Bound':
      return healthy('claim is bound');
    case 'Lost':
      return degraded('claim lost its volume');
    default:
      return progressing('waiting for the claim to be bound');
  }
}

function serviceHealth(s: Obj): Health {
  if (s.spec?.type !== 'LoadBalancer') return healthy('');
  const ingress = s.status?.loadBalancer?.ingress;
  return Array.isArray(ingress) && ingress.length > 0 ? healthy('load balancer is ready') : progressing('waiting for the load balancer to get an address');
}

/**
 * An Ingress is healthy once it exists: clusters without an ingress controller never give it an
 * address, and a sync must not roll back for that. The address, when there is one, is reported.
 */
function ingressHealth(i: Obj): Health {
  const ingress = i.status?.loadBalancer?.ingress;
  const address = Array.isArray(ingress) ? ingress.map((entry: Obj) => entry.ip ?? entry.hostname).filter(Boolean).join(', ') : '';
  return healthy(address ? `address ${address}` : 'no address assigned yet');
}

function crdHealth(c: Obj): Health {
  const names = condition(c, 'NamesAccepted');
  if (names?.status === 'False') return degraded(`names not accepted: ${names.message ?? names.reason ?? ''}`);
  const established = condition(c, 'Established');
  return established?.status === 'True' ? healthy('established') : progressing('waiting for the CRD to be established');
}

function apiServiceHealth(a: Obj): Health {
  const available = condition(a, 'Available');
  if (available?.status === 'True') return healthy('available');
  return progressing(`not available yet${available?.message ? `: ${available.message}` : ''}`);
}

function namespaceHealth(n: Obj): Health {
  const phase = n.status?.phase;
  if (phase === 'Terminating') return progressing('namespace is terminating');
  return phase === 'Active' ? healthy('active') : progressing('waiting for the namespace to become active');
}

function hpaHealth(h: Obj): Health {
  const failing = conditions(h).find((c) => (c.type === 'AbleToScale' || c.type === 'ScalingActive') && c.status === 'False' && /Failed/.test(c.reason ?? ''));
  if (failing) return degraded(`${failing.type}: ${failing.reason}${failing.message ? `: ${failing.message}` : ''}`);
  return healthy('');
}

/** For kinds without a rule: standard conditions, else healthy once it exists. */
function genericHealth(o: Obj): Health {
  if (!isJsonObject(o.status)) return healthy('');
  const stalled = condition(o, 'Stalled');
  if (stalled?.status === 'True') return degraded(`stalled: ${stalled.message ?? stalled.reason ?? ''}`);
  if (observedBehind(o) && typeof o.status.observedGeneration === 'number') return progressing('waiting for the controller to observe the latest spec');
  const reconciling = condition(o, 'Reconciling');
  if (reconciling?.status === 'True') return progressing(`reconciling: ${reconciling.message ?? ''}`.trim());
  const ready = condition(o, 'Ready') ?? condition(o, 'Available');
  if (ready?.status === 'True') return healthy(ready.message ?? '');
  if (ready?.status === 'False') {
    return /fail|error|invalid|backoff/i.test(`${ready.reason ?? ''}`) ? degraded(`${ready.reason}: ${ready.message ?? ''}`) : progressing(`${ready.reason ?? 'not ready'}: ${ready.message ?? ''}`);
  }
  return healthy('');
}

const RULES: Record<string, (object: Obj) => Health> = {
  Deployment: deploymentHealth,
  StatefulSet: statefulSetHealth,
  DaemonSet: daemonSetHealth,
  ReplicaSet: replicaSetHealth,
  Pod: podHealth,
  Job: jobHealth,
  PersistentVolumeClaim: pvcHealth,
  Service: serviceHealth,
  Ingress: ingressHealth,
  CustomResourceDefinition: crdHealth,
  APIService: apiServiceHealth,
  Namespace: namespaceHealth,
  HorizontalPodAutoscaler: hpaHealth,
};

/** The health of one object; `Missing` when it does not exist. */
export function assessHealth(object: KubeObject | null | undefined): Health {
  if (!object) return { status: 'Missing', message: 'object does not exist' };
  if (object.metadata.deletionTimestamp) return progressing('object is being deleted');
  const rule = RULES[object.kind] ?? genericHealth;
  return rule(object as Obj);
}

/** True for health that will not improve by waiting (a failed Job, a rollout past its deadline). */
export function isTerminal(object: KubeObject | undefined, health: Health): boolean {
  if (health.status !== 'Degraded' || !object) return false;
  if (object.kind === 'Job') return true;
  if (object.kind === 'Deployment') return /progress deadline/.test(health.message);
  return false;
}
