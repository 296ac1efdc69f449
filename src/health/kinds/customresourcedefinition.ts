import { condition, type Obj } from './conditions.js';
import { degraded, healthy, progressing, type Health } from '../status.js';

/**
 * A CRD is healthy once Established. NamesAccepted=False (its plural or kind clashes with
 * another CRD's) is terminal: the API server will not serve it until someone changes a name.
 */
export function crdHealth(c: Obj): Health {
  const names = condition(c, 'NamesAccepted');
  if (names?.status === 'False') return degraded(`names not accepted: ${names.message ?? names.reason ?? ''}`, { terminal: true });
  const established = condition(c, 'Established');
  return established?.status === 'True' ? healthy('established') : progressing('waiting for the CRD to be established');
}
