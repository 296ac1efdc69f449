import { conditions, type Obj } from './conditions.js';
import { degraded, healthy, type Health } from '../status.js';

/** An HPA is healthy unless it cannot scale or read its metrics. */
export function hpaHealth(h: Obj): Health {
  const failing = conditions(h).find((c) => (c.type === 'AbleToScale' || c.type === 'ScalingActive') && c.status === 'False' && /Failed/.test(c.reason ?? ''));
  if (failing) return degraded(`${failing.type}: ${failing.reason}${failing.message ? `: ${failing.message}` : ''}`);
  return healthy('');
}
