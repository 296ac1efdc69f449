import { condition, type Obj } from './conditions.js';
import { healthy, progressing, type Health } from '../status.js';

/** An aggregated API is healthy once Available (its backing Service answers). */
export function apiServiceHealth(a: Obj): Health {
  const available = condition(a, 'Available');
  if (available?.status === 'True') return healthy('available');
  return progressing(`not available yet${available?.message ? `: ${available.message}` : ''}`);
}
