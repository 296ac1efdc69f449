import type { KubeObject, ObjectRef } from '../objects.js';
import { formatRef, objectKey } from '../objects.js';
import { worstOf, type Health } from './status.js';
import { assessHealth } from './rules.js';

/** The health of a set of objects at one moment. */
export interface HealthSnapshot {
  results: Array<{ ref: ObjectRef; health: Health }>;
  /** The worst object's health, its message naming the object. */
  overall: Health;
  elapsedMs: number;
}

/** A snapshot from per-object results: sorted by object, the worst one named in `overall`. */
export function summarizeHealth(results: Array<{ ref: ObjectRef; health: Health }>, elapsedMs: number): HealthSnapshot {
  const sorted = [...results].sort((a, b) => objectKey(a.ref).localeCompare(objectKey(b.ref)));
  const worst = worstOf(sorted.map((r) => r.health));
  const worstRef = sorted.find((r) => r.health === worst)?.ref;
  const overall: Health = worstRef ? { status: worst.status, message: `${formatRef(worstRef)}: ${worst.status}${worst.message ? `: ${worst.message}` : ''}` } : worst;
  return { results: sorted, overall, elapsedMs };
}

/**
 * The health of `refs` from objects already read (by `objectKey`; absent means Missing): how a
 * poll that found nothing to change still reports health, without reading anything again.
 */
export function assessSnapshot(refs: ObjectRef[], live: ReadonlyMap<string, KubeObject>): HealthSnapshot {
  return summarizeHealth(refs.map((ref) => ({ ref, health: assessHealth(live.get(objectKey(ref))) })), 0);
}
