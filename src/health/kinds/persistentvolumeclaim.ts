import type { Obj } from './conditions.js';
import { degraded, healthy, progressing, type Health } from '../status.js';

/** A claim is healthy once Bound; Lost means its volume is gone. */
export function pvcHealth(p: Obj): Health {
  switch (p.status?.phase) {
    case 'Bound':
      return healthy('claim is bound');
    case 'Lost':
      return degraded('claim lost its volume');
    default:
      return progressing('waiting for the claim to be bound');
  }
}
