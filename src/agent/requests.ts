import type { KubeObject } from '../objects.js';
import { isJsonObject } from '../objects.js';
import { REQUESTED_AT_ANNOTATION, ROLLBACK_TO_ANNOTATION } from '../well-known.js';

/**
 * What on a GitSync asks for a run: its spec generation, `ferry sync`'s and `ferry rollback`'s
 * annotations, and its deletion.
 */
export interface RequestSnapshot {
  generation: number;
  /** `metadata.deletionTimestamp` is set. */
  deleting?: boolean;
  requestedAt?: string;
  rollbackTo?: string;
}

export function requestSnapshotOf(gitsync: KubeObject): RequestSnapshot {
  const annotations = gitsync.metadata.annotations ?? {};
  return {
    generation: gitsync.metadata.generation ?? 0,
    ...(gitsync.metadata.deletionTimestamp ? { deleting: true } : {}),
    ...(annotations[REQUESTED_AT_ANNOTATION] ? { requestedAt: annotations[REQUESTED_AT_ANNOTATION] } : {}),
    ...(annotations[ROLLBACK_TO_ANNOTATION] ? { rollbackTo: annotations[ROLLBACK_TO_ANNOTATION] } : {}),
  };
}

/**
 * A spec change, a `ferry sync` request or a new pin since `seen` (what the last run acted on).
 * On first sight (also after a restart) only a request no agent has handled yet counts.
 */
export function hasNewRequest(seen: RequestSnapshot | undefined, gitsync: KubeObject): boolean {
  const current = requestSnapshotOf(gitsync);
  if (!seen) {
    const status = isJsonObject(gitsync.status) ? gitsync.status : {};
    return current.requestedAt !== undefined && current.requestedAt !== status.lastHandledRequestedAt;
  }
  return current.generation !== seen.generation || current.requestedAt !== seen.requestedAt || current.rollbackTo !== seen.rollbackTo || current.deleting !== seen.deleting;
}

export function isSuspended(gitsync: KubeObject): boolean {
  return isJsonObject(gitsync.spec) && gitsync.spec.suspend === true;
}
