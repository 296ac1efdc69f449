import { isJsonObject } from '../../objects.js';
import { condition, observedBehind, type Obj } from './conditions.js';
import { degraded, healthy, progressing, type Health } from '../status.js';

/**
 * For kinds without a rule of their own, the conventions most controllers follow (kstatus):
 * `Stalled=True` is Degraded; a status for an older generation, `Reconciling=True`, or a `Ready`
 * (else `Available`) condition that is `Unknown` is Progressing — the controller has not decided
 * yet; `False` is Degraded when its reason says it failed, else Progressing. Without status
 * or conditions, an object is healthy once it exists.
 */
export function genericHealth(o: Obj): Health {
  if (!isJsonObject(o.status)) return healthy('');
  const stalled = condition(o, 'Stalled');
  if (stalled?.status === 'True') return degraded(`stalled: ${stalled.message ?? stalled.reason ?? ''}`);
  if (observedBehind(o) && typeof o.status.observedGeneration === 'number') return progressing('waiting for the controller to observe the latest spec');
  const reconciling = condition(o, 'Reconciling');
  if (reconciling?.status === 'True') return progressing(`reconciling: ${reconciling.message ?? ''}`.trim());
  const ready = condition(o, 'Ready') ?? condition(o, 'Available');
  if (!ready) return healthy('');
  if (ready.status === 'True') return healthy(ready.message ?? '');
  if (ready.status === 'False' && /fail|error|invalid|backoff/i.test(`${ready.reason ?? ''}`)) return degraded(`${ready.reason}: ${ready.message ?? ''}`);
  const state = ready.status === 'False' ? 'not ready' : `${ready.type} unknown`;
  return progressing(`${ready.reason ?? state}${ready.message ? `: ${ready.message}` : ''}`);
}
