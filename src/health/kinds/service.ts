import type { Obj } from './conditions.js';
import { healthy, progressing, type Health } from '../status.js';

/**
 * A Service is healthy once it exists, a LoadBalancer once it has an address. On a cluster
 * without a load-balancer controller that never happens: annotate the Service
 * `ferry.dev/health: ignore` there.
 */
export function serviceHealth(s: Obj): Health {
  if (s.spec?.type !== 'LoadBalancer') return healthy('');
  const ingress = s.status?.loadBalancer?.ingress;
  return Array.isArray(ingress) && ingress.length > 0 ? healthy('load balancer is ready') : progressing('waiting for the load balancer to get an address');
}
