import { formatRef, objectKey, refOf } from '../objects.js';
import type { FerryError } from '../errors.js';
import { DEFAULT_CONCURRENCY, type ApplyClient } from './apply-request.js';
import { mapBounded } from './bounded.js';
import type { ApplyEvent, ChangeEntry } from './changeset.js';
import { skippedEntry } from './entries.js';
import { ApplyError } from './errors.js';
import type { PlannedLayer } from './planner.js';
import type { CheckedObject } from './validate.js';
import { waitForDependencies } from './wait-for-dependencies.js';
import { writeObject, type WriteContext } from './write.js';

/**
 * Writes validated objects layer by layer: each layer waits for what it depends on, then writes
 * its objects concurrently (bounded). The first failure stops the layers after it; their objects
 * come back as skipped, so the entries always say what was written and what was not.
 * `totalLayers` is the size of the whole plan, for progress events.
 */
export async function writeLayers(
  client: ApplyClient,
  layers: PlannedLayer[],
  totalLayers: number,
  items: ReadonlyMap<string, CheckedObject>,
  context: WriteContext,
  emit: (event: ApplyEvent) => void,
): Promise<{ entries: ChangeEntry[]; error?: FerryError }> {
  const { request } = context;
  const entries: ChangeEntry[] = [];
  let stopped: FerryError | undefined;
  for (const layer of layers) {
    const layerItems = layer.objects.map((object) => items.get(objectKey(refOf(object)))).filter((item): item is CheckedObject => item !== undefined);
    if (stopped) {
      entries.push(...layerItems.map((item) => skippedEntry(item, layer.index, 'not applied: an earlier layer failed')));
      continue;
    }
    emit({ type: 'layer', index: layer.index, total: totalLayers, objects: layerItems.map((item) => refOf(item.desired)) });
    const waitError = await waitForDependencies(client, layer.waitFor, layer.index, request, emit);
    if (waitError) {
      stopped = waitError;
      entries.push(...layerItems.map((item) => ({ ...skippedEntry(item, layer.index, waitError.message), action: 'failed' as const, error: waitError })));
      continue;
    }
    const written = await mapBounded(layerItems, request.concurrency ?? DEFAULT_CONCURRENCY, async (item) => {
      const entry = context.locate(await writeObject(client, item, layer.index, context));
      emit({ type: 'object', entry });
      return entry;
    });
    entries.push(...written);
    const failure = written.find((entry) => entry.action === 'failed');
    if (failure) stopped = failure.error ?? new ApplyError('APPLY_FAILED', `${formatRef(failure.ref)}: ${failure.message ?? 'failed'}`);
    if (request.signal?.aborted && !stopped) stopped = new ApplyError('APPLY_CANCELLED', 'apply cancelled before all layers were written');
  }
  return { entries, ...(stopped ? { error: stopped } : {}) };
}
