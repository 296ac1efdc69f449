import type { KubeObject } from '../objects.js';
import { objectKey, refOf } from '../objects.js';
import { FerryError } from '../errors.js';
import { UnknownKindError } from '../kube/index.js';
import { deletionOrder } from './planner.js';
import type { ApplyClient } from './apply-request.js';
import type { ApplyEvent, ChangeEntry } from './changeset.js';
import { PRUNE_ANNOTATION, SYNC_LABEL } from '../well-known.js';

export interface PruneRequest {
  sync: string;
  /** What the previous revision applied (its rendered objects). */
  previous: KubeObject[];
  /** What the new revision renders. */
  desired: KubeObject[];
  /** Allow pruning everything when the new revision renders no objects at all. */
  allowEmpty?: boolean;
  dryRun?: boolean;
  /** Once aborted, no further object is deleted. */
  signal?: AbortSignal;
  onEvent?: (event: ApplyEvent) => void;
}

/** Raised when pruning would delete everything because the render came back empty. */
export class PruneRefusedError extends FerryError {}

/** The objects of `previous` that `desired` no longer has, in deletion (reverse apply) order. */
export function pruneCandidates(previous: KubeObject[], desired: KubeObject[]): KubeObject[] {
  const kept = new Set(desired.map((object) => objectKey(refOf(object))));
  return deletionOrder(previous.filter((object) => !kept.has(objectKey(refOf(object)))));
}

/**
 * Deletes what left Git, in reverse dependency order, and only objects that still carry this
 * sync's label (someone may have taken an object over by hand) and are not annotated
 * `ferry.dev/prune: "false"`. An empty render never prunes unless explicitly allowed: an empty
 * directory is far more often a mistake than an intent.
 */
export async function pruneObjects(client: ApplyClient, request: PruneRequest): Promise<ChangeEntry[]> {
  const candidates = pruneCandidates(request.previous, request.desired);
  if (candidates.length === 0) return [];
  if (request.desired.length === 0 && !request.allowEmpty) {
    throw new PruneRefusedError(
      'APPLY_PRUNE_EMPTY_RENDER',
      `the revision renders no objects; refusing to prune all ${candidates.length} objects of the previous revision (pass --allow-empty if that is intended)`,
      { details: { count: candidates.length } },
    );
  }
  request.onEvent?.({ type: 'prune', count: candidates.length });
  const entries: ChangeEntry[] = [];
  for (const object of candidates) {
    if (request.signal?.aborted) break;
    const ref = refOf(object);
    let live: KubeObject | null;
    try {
      live = await client.getOrNull(ref);
    } catch (error) {
      // The kind is gone (its CRD was deleted): so are its objects.
      if (error instanceof UnknownKindError) continue;
      throw error;
    }
    if (!live) continue;
    if (live.metadata.labels?.[SYNC_LABEL] !== request.sync) {
      entries.push({ ref, action: 'skipped', message: `not pruned: no longer labelled ${SYNC_LABEL}=${request.sync}` });
      continue;
    }
    if (live.metadata.annotations?.[PRUNE_ANNOTATION] === 'false') {
      entries.push({ ref, action: 'skipped', message: `not pruned: ${PRUNE_ANNOTATION}: "false"` });
      continue;
    }
    if (!request.dryRun) {
      try {
        await client.delete(ref, { propagationPolicy: 'Background' });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        entries.push({ ref, action: 'failed', message, ...(error instanceof FerryError ? { error } : {}) });
        continue;
      }
    }
    const entry: ChangeEntry = { ref, action: 'deleted', message: request.dryRun ? 'would be pruned' : 'pruned' };
    entries.push(entry);
    request.onEvent?.({ type: 'object', entry });
  }
  return entries;
}

