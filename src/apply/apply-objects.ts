import { objectKey, refOf } from '../objects.js';
import { DEFAULT_CONCURRENCY, type ApplyClient, type ApplyRequest, type ApplyResult } from './apply-request.js';
import { failedBeforeWriting, plannedEntry } from './entries.js';
import { asFerryError } from './errors.js';
import { collectListKeys } from './list-key-schema.js';
import { withSyncLabels } from './ownership.js';
import { planLayers, type Plan } from './planner.js';
import { readLive } from './read-live.js';
import { resolveKinds } from './resolve.js';
import { canDryRunNow, checkObjects, dryRunWrites, type ApplyItem, type DiffContext, type OwnershipPolicy } from './validate.js';
import { writeLayers } from './write-layers.js';

export type { ApplyClient, ApplyRequest, ApplyResult } from './apply-request.js';
export { ApplyError } from './errors.js';

/**
 * Applies one revision: resolve every kind through discovery, read live state with one LIST per
 * kind and namespace, check ownership, three-way diff, server dry-run everything, then write layer
 * by layer in dependency order. Nothing is written unless every object validated; a failure in
 * layer N leaves the layers after it untouched.
 */
export async function applyObjects(client: ApplyClient, request: ApplyRequest): Promise<ApplyResult> {
  const emit = request.onEvent ?? (() => {});
  const concurrency = request.concurrency ?? DEFAULT_CONCURRENCY;
  const desired = request.desired.map((object) => withSyncLabels(object, request.sync));
  const ownership: OwnershipPolicy = { sync: request.sync, enforce: request.checkOwnership !== false };

  // 1. Resolve kinds and read live state.
  const resolution = await resolveKinds(client, desired);
  const live = await readLive(client, resolution.objects, concurrency);
  const diffContext: DiffContext = {
    base: new Map(request.base.map((object) => [objectKey(refOf(object)), object])),
    options: { ignore: request.ignore ?? [], listKeys: await collectListKeys(client, resolution.objects, desired) },
  };

  // 2. Check ownership and diff; every problem is collected before anything is touched.
  const checked = checkObjects(resolution.objects, live, diffContext, ownership);
  const problems = [...resolution.problems, ...checked.problems];
  if (problems.length > 0) return failedBeforeWriting(desired.map(refOf), problems);
  if (request.diffOnly) return { entries: checked.items.map((item) => plannedEntry(item)) };

  // 3. Order: dependency layers.
  let plan: Plan;
  try {
    plan = planLayers(desired);
  } catch (error) {
    return { entries: [], error: asFerryError(error) };
  }

  // 4. Server dry-run of every write that can be validated now (custom resources of a CRD created
  //    in this apply, and objects in a Namespace it creates, are dry-run just before their write).
  const toValidate = checked.items.filter(canDryRunNow);
  emit({ type: 'dry-run', count: toValidate.length });
  const refused = await dryRunWrites(client, toValidate, concurrency);
  if (refused.length > 0) return { ...failedBeforeWriting(desired.map(refOf), refused), plan };
  if (request.dryRun) return { entries: inPlanOrder(checked.items, plan).map(([item, layer]) => plannedEntry(item, layer)), plan };

  // 5. Write, layer by layer.
  const items = new Map(checked.items.map((item) => [objectKey(refOf(item.desired)), item]));
  const written = await writeLayers(client, plan, items, { diff: diffContext, ownership, request }, emit);
  return { ...written, plan };
}

/** Each item with the index of the layer the plan puts it in, in the items' order. */
function inPlanOrder(items: ApplyItem[], plan: Plan): Array<[ApplyItem, number | undefined]> {
  const layerOf = new Map<string, number>();
  for (const layer of plan.layers) for (const object of layer.objects) layerOf.set(objectKey(refOf(object)), layer.index);
  return items.map((item) => [item, layerOf.get(objectKey(refOf(item.desired)))]);
}
