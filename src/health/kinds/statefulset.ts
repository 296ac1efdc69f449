import { observedBehind, type Obj } from './conditions.js';
import { healthy, progressing, type Health } from '../status.js';

/**
 * A StatefulSet is healthy once its replicas are available (ready for minReadySeconds — counted
 * as `availableReplicas` by servers that report it, else `readyReplicas`) and, unless it updates
 * OnDelete or above a partition, all run the update revision.
 */
export function statefulSetHealth(s: Obj): Health {
  if (observedBehind(s)) return progressing('waiting for the rollout to be observed');
  const wanted = s.spec?.replicas ?? 1;
  const status = s.status ?? {};
  const ready = status.readyReplicas ?? 0;
  if (ready < wanted) return progressing(`${ready} of ${wanted} replicas ready`);
  if (typeof status.availableReplicas === 'number' && status.availableReplicas < wanted) {
    return progressing(`${status.availableReplicas} of ${wanted} replicas available (ready for minReadySeconds)`);
  }
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
