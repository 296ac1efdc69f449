import { observedBehind, type Obj } from './conditions.js';
import { healthy, progressing, type Health } from '../status.js';

/** A ReplicaSet is healthy once all its replicas are available. */
export function replicaSetHealth(r: Obj): Health {
  if (observedBehind(r)) return progressing('waiting for the ReplicaSet to be observed');
  const wanted = r.spec?.replicas ?? 1;
  const available = r.status?.availableReplicas ?? 0;
  if (available < wanted) return progressing(`${available} of ${wanted} replicas available`);
  return healthy(`${available} of ${wanted} replicas available`);
}
