import { condition, type Obj } from './conditions.js';
import { degraded, healthy, progressing, type Health } from '../status.js';

/** A Job is healthy once Complete (or suspended); Failed is final, the controller does not retry it. */
export function jobHealth(j: Obj): Health {
  const failed = condition(j, 'Failed');
  if (failed?.status === 'True') return degraded(`job failed: ${failed.reason ?? ''}${failed.message ? `: ${failed.message}` : ''}`, { terminal: true });
  const complete = condition(j, 'Complete');
  if (complete?.status === 'True') return healthy('job completed');
  if (j.spec?.suspend) return healthy('job is suspended');
  return progressing(`job is running (${j.status?.active ?? 0} active, ${j.status?.succeeded ?? 0} succeeded)`);
}
