import type { Obj } from './conditions.js';
import { healthy, type Health } from '../status.js';

/**
 * An Ingress is healthy once it exists: clusters without an ingress controller never give it an
 * address, and a sync must not roll back for that. The address, when there is one, is reported.
 */
export function ingressHealth(i: Obj): Health {
  const ingress = i.status?.loadBalancer?.ingress;
  const address = Array.isArray(ingress) ? ingress.map((entry: Obj) => entry.ip ?? entry.hostname).filter(Boolean).join(', ') : '';
  return healthy(address ? `address ${address}` : 'no address assigned yet');
}
