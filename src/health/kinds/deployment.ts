import { condition, describeCondition, observedBehind, type Obj } from './conditions.js';
import { degraded, healthy, progressing, type Health } from '../status.js';

/**
 * A Deployment is healthy once every replica runs the current template and is available.
 * ProgressDeadlineExceeded and ReplicaFailure (pods cannot be created: quota, admission) are
 * terminal: the controller has given up, waiting longer changes nothing.
 */
export function deploymentHealth(d: Obj): Health {
  if (d.spec?.paused) return healthy('rollout is paused');
  // Status written for an older spec says nothing about this rollout, failed or not.
  if (observedBehind(d)) return progressing('waiting for the rollout to be observed');
  const progressingCondition = condition(d, 'Progressing');
  if (progressingCondition?.reason === 'ProgressDeadlineExceeded') {
    return degraded(`rollout exceeded its progress deadline: ${progressingCondition.message ?? ''}`.trim(), { terminal: true });
  }
  const replicaFailure = condition(d, 'ReplicaFailure');
  if (replicaFailure?.status === 'True') return degraded(`cannot create pods: ${describeCondition(replicaFailure)}`, { terminal: true });
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
