/**
 * One small pure rule per kind (kinds/*.ts): given the object as the API serves it, how healthy
 * is it? Rules read only status the controllers wrote; a status older than the spec
 * (observedGeneration behind generation) is never trusted.
 */
import type { KubeObject } from '../objects.js';
import { HEALTH_ANNOTATION, HEALTH_IGNORE } from '../well-known.js';
import { healthy, progressing, type Health } from './status.js';
import type { Obj } from './kinds/conditions.js';
import { apiServiceHealth } from './kinds/apiservice.js';
import { crdHealth } from './kinds/customresourcedefinition.js';
import { daemonSetHealth } from './kinds/daemonset.js';
import { deploymentHealth } from './kinds/deployment.js';
import { genericHealth } from './kinds/generic.js';
import { hpaHealth } from './kinds/horizontalpodautoscaler.js';
import { ingressHealth } from './kinds/ingress.js';
import { jobHealth } from './kinds/job.js';
import { namespaceHealth } from './kinds/namespace.js';
import { pvcHealth } from './kinds/persistentvolumeclaim.js';
import { podHealth } from './kinds/pod.js';
import { replicaSetHealth } from './kinds/replicaset.js';
import { serviceHealth } from './kinds/service.js';
import { statefulSetHealth } from './kinds/statefulset.js';

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

/**
 * The health of one object; `Missing` when it does not exist. An object annotated
 * `ferry.dev/health: ignore` is healthy once it exists (a LoadBalancer Service on a cluster
 * without a load-balancer controller, a resource whose controller's status cannot be trusted).
 */
export function assessHealth(object: KubeObject | null | undefined): Health {
  if (!object) return { status: 'Missing', message: 'object does not exist' };
  if (object.metadata.annotations?.[HEALTH_ANNOTATION] === HEALTH_IGNORE) return healthy(`not assessed (${HEALTH_ANNOTATION}: ${HEALTH_IGNORE})`);
  if (object.metadata.deletionTimestamp) return progressing('object is being deleted');
  const rule = RULES[object.kind] ?? genericHealth;
  return rule(object as Obj);
}

/** True for health that will not improve by waiting (a failed Job, a rollout past its deadline). */
export function isTerminal(object: KubeObject | undefined, health: Health): boolean {
  return object !== undefined && health.status === 'Degraded' && health.terminal === true;
}
