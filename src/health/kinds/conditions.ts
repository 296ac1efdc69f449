/** What every kind rule reads: status conditions, and whether the status is for the current spec. */
import { isJsonObject } from '../../objects.js';

/** An object as the API serves it; rules read it defensively, every field may be missing. */
export type Obj = Record<string, any>;

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export function conditions(object: Obj): Condition[] {
  const list = object.status?.conditions;
  return Array.isArray(list) ? (list.filter(isJsonObject) as unknown as Condition[]) : [];
}

export function condition(object: Obj, type: string): Condition | undefined {
  return conditions(object).find((c) => c.type === type);
}

/** Status written for an older spec (observedGeneration behind generation) says nothing about this one. */
export function observedBehind(object: Obj): boolean {
  const generation = object.metadata?.generation;
  const observed = object.status?.observedGeneration;
  return typeof generation === 'number' && (typeof observed !== 'number' || observed < generation);
}

/** `reason: message`, or whichever of the two is there. */
export function describeCondition(c: Condition): string {
  return [c.reason, c.message].filter(Boolean).join(': ');
}
