import { refOf } from '../objects.js';
import { isPatchTestFailure } from '../kube/index.js';
import type { ApplyClient, ApplyRequest } from './apply-request.js';
import type { ChangeEntry } from './changeset.js';
import { skippedEntry } from './entries.js';
import { asFerryError } from './errors.js';
import type { Locator } from './locate.js';
import { immutableFieldsOf } from './immutable.js';
import { recreateObject, refuseRecreate } from './recreate.js';
import { isWrite, resourceVersionOf, sendDiff } from './send-diff.js';
import { schemaKey } from './schemas.js';
import { rediffed, type CheckedObject, type ValidateContext } from './validate.js';

/** A conflicting writer gets this many fresh reads before the write is given up. */
const PATCH_RETRIES = 5;

/** What a write needs beyond the object: how to validate and recompute it, and the request's options. */
export interface WriteContext extends ValidateContext {
  request: ApplyRequest;
  /** Names the file and line of a failed object. */
  locate: Locator;
}

/**
 * Writes one validated object: create, patch, or the recreate validation planned. A concurrent
 * write in between (the resourceVersion test failed) means a fresh read and a recomputed diff,
 * never overwriting the other writer's change. Failures come back as a failed entry.
 */
export async function writeObject(client: ApplyClient, item: CheckedObject, layer: number, context: WriteContext): Promise<ChangeEntry> {
  const ref = refOf(item.desired);
  let current = item;
  try {
    for (let attempt = 1; ; attempt++) {
      // Once the signal aborted (shutdown, a lost Lease) no write starts; the ones in flight finish.
      if (context.request.signal?.aborted) return skippedEntry(current, layer, 'not applied: the sync was cancelled');
      const object: CheckedObject = current;
      const { diff } = object;
      if (object.recreate) return await recreateObject(client, object, layer, object.recreate.fields, context.request);
      if (!isWrite(diff)) return { ref, layer, action: 'unchanged', diff };
      try {
        const written = await sendDiff(client, object, {});
        return { ref, layer, action: diff.action === 'create' ? 'created' : 'configured', diff, message: diff.paths.join(', '), ...resourceVersionOf(written) };
      } catch (error) {
        if (isPatchTestFailure(error) && attempt < PATCH_RETRIES) {
          // Someone wrote in between: re-read and recompute, never overwrite their change blindly.
          current = rediffed(object, (await client.getOrNull(ref)) ?? undefined, context.diff);
          continue;
        }
        // Validation passed, so the field became immutable only now (a concurrent change): the same rules apply.
        const fields = diff.action === 'changed' ? immutableFieldsOf(ref, error, context.diff.schemas.get(schemaKey(object.desired))) : undefined;
        if (!fields) throw error;
        const refusal = refuseRecreate(object.desired, fields, context.force, error);
        if (refusal) throw refusal;
        return await recreateObject(client, object, layer, fields, context.request);
      }
    }
  } catch (error) {
    const ferryError = asFerryError(error, item.desired);
    return { ref, layer, action: 'failed', error: ferryError, message: ferryError.message, diff: current.diff };
  }
}
