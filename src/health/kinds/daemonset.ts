import { observedBehind, type Obj } from './conditions.js';
import { healthy, progressing, type Health } from '../status.js';

/**
 * A DaemonSet is healthy once a pod is available on every node that should run one. OnDelete
 * only means pods are not replaced on a spec change: availability is still checked.
 */
export function daemonSetHealth(d: Obj): Health {
  if (observedBehind(d)) return progressing('waiting for the rollout to be observed');
  const status = d.status ?? {};
  const desired = status.desiredNumberScheduled ?? 0;
  const available = status.numberAvailable ?? 0;
  if (d.spec?.updateStrategy?.type === 'OnDelete') {
    if (available < desired) return progressing(`${available} of ${desired} pods available`);
    return healthy(`${available} of ${desired} pods available (OnDelete: pods update when deleted)`);
  }
  const updated = status.updatedNumberScheduled ?? 0;
  if (updated < desired) return progressing(`${updated} of ${desired} pods updated`);
  if (available < desired) return progressing(`${available} of ${desired} updated pods available`);
  return healthy(`${available} of ${desired} pods available`);
}
