import { refOf } from '../objects.js';
import { isPatchTestFailure } from '../kube/index.js';
import type { ApplyClient, ApplyRequest } from './apply-request.js';
import type { ChangeEntry } from './changeset.js';
import { skippedEntry } from './entries.js';
import { asFerryError } from './errors.js';
import { isImmutableFieldError, recreateObject } from './recreate.js';
import { isWrite, resourceVersionOf, sendDiff } from './send-diff.js';
import { checkAfterCrd, diffWithBase, type ApplyItem, type CheckedObject, type DiffContext, type OwnershipPolicy } from './validate.js';

/** A conflicting writer gets this many fresh reads before the write is given up. */
const PATCH_RETRIES = 5;

/** What a write needs beyond the object: how to recompute its diff, who owns it, the request's options. */
export interface WriteContext {
  diff: DiffContext;
  ownership: OwnershipPolicy;
  request: ApplyRequest;
}

/**
 * Writes one object: create or patch; a concurrent write in between (the resourceVersion test
 * failed) means a fresh read and a recomputed diff, never overwriting the other writer's change;
 * an immutable field means a recreate when allowed. Failures come back as a failed entry.
 */
export async function writeObject(client: ApplyClient, item: ApplyItem, layer: number, context: WriteContext): Promise<ChangeEntry> {
  const ref = refOf(item.desired);
  // Once the signal aborted (shutdown, a lost Lease) no write starts; the ones in flight finish.
  if (context.request.signal?.aborted) return skippedEntry(item, layer, 'not applied: the sync was cancelled');
  let current: CheckedObject | undefined;
  try {
    if (item.state === 'awaits-crd') {
      // The CRD is Established now (the layer waited for it): resolve, read and validate.
      const checked = await checkAfterCrd(client, item.desired, context.diff, context.ownership);
      if (!('resource' in checked)) return { ...checked, layer };
      current = checked;
    } else {
      current = item;
      if (item.dryRunDeferred && isWrite(item.diff)) await sendDiff(client, item, { dryRun: true });
    }
    for (let attempt = 1; ; attempt++) {
      if (context.request.signal?.aborted) return { ...skippedEntry(item, layer, 'not applied: the sync was cancelled'), diff: current.diff };
      const object: CheckedObject = current;
      const { diff } = object;
      if (!isWrite(diff)) return { ref, layer, action: 'unchanged', diff };
      try {
        const written = await sendDiff(client, object, {});
        return { ref, layer, action: diff.action === 'create' ? 'created' : 'configured', diff, message: diff.paths.join(', '), ...resourceVersionOf(written) };
      } catch (error) {
        if (isPatchTestFailure(error) && attempt < PATCH_RETRIES) {
          // Someone wrote in between: re-read and recompute, never overwrite their change blindly.
          const live = (await client.getOrNull(ref)) ?? undefined;
          current = { desired: object.desired, resource: object.resource, ...(live ? { live } : {}), diff: diffWithBase(object.desired, live, context.diff) };
          continue;
        }
        if (isImmutableFieldError(error)) return await recreateObject(client, object, layer, error, context.request);
        throw error;
      }
    }
  } catch (error) {
    const ferryError = asFerryError(error, item.desired);
    return { ref, layer, action: 'failed', error: ferryError, message: ferryError.message, ...(current ? { diff: current.diff } : {}) };
  }
}
