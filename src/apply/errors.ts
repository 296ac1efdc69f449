import type { KubeObject } from '../objects.js';
import { formatRef, refOf } from '../objects.js';
import { FerryError, describeError } from '../errors.js';

/** Raised for apply-level failures that are not one object's (a failed dependency wait …). */
export class ApplyError extends FerryError {}

/** Any thrown value as a FerryError whose message starts with the object it concerns. */
export function asFerryError(error: unknown, object?: KubeObject): FerryError {
  if (error instanceof FerryError) return error;
  const prefix = object ? `${formatRef(refOf(object))}: ` : '';
  return new ApplyError('APPLY_FAILED', `${prefix}${describeError(error)}`, { cause: error });
}
