import type { Obj } from './conditions.js';
import { healthy, progressing, type Health } from '../status.js';

/** A Namespace is healthy once Active. */
export function namespaceHealth(n: Obj): Health {
  const phase = n.status?.phase;
  if (phase === 'Terminating') return progressing('namespace is terminating');
  return phase === 'Active' ? healthy('active') : progressing('waiting for the namespace to become active');
}
