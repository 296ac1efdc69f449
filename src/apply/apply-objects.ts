import { objectKey, refOf } from '../objects.js';
import { DEFAULT_CONCURRENCY, type ApplyClient, type ApplyRequest, type ApplyResult } from './apply-request.js';
import { hasWrites } from './changeset.js';
import { failedBeforeWriting, plannedEntry } from './entries.js';
import { asFerryError } from './errors.js';
import { collectListKeys } from './list-key-schema.js';
import { sourceLocator } from './locate.js';
import { withSyncLabels } from './ownership.js';
import { planLayers, type Plan } from './planner.js';
import { readLive } from './read-live.js';
import { resolveKinds } from './resolve.js';
import { canDryRunNow, checkObjects, dryRunWrites, type ApplyItem, type ValidateContext } from './validate.js';
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
  const refs = desired.map(refOf);
  const locate = sourceLocator(desired, request.sources);

  // 1. Resolve kinds and read live state.
  const resolution = await resolveKinds(client, desired);
  const live = await readLive(client, resolution.objects, concurrency);
  const context: ValidateContext = {
    diff: {
      base: new Map(request.base.map((object) => [objectKey(refOf(object)), object])),
      options: { ignore: request.ignore ?? [], listKeys: await collectListKeys(client, resolution.objects, desired) },
    },
    ownership: { sync: request.sync, enforce: request.checkOwnership !== false },
    force: request.force ?? false,
  };

  // 2. Check ownership and diff; every problem is collected before anything is touched.
  const checked = checkObjects(resolution.objects, live, context.diff, context.ownership);
  const problems = [...resolution.problems, ...checked.problems];
  if (problems.length > 0) return failedBeforeWriting(refs, problems.map(locate));
  if (request.diffOnly) return { entries: checked.items.map((item) => plannedEntry(item)), wrote: false, live };

  // 3. Order: dependency layers.
  let plan: Plan;
  try {
    plan = planLayers(desired);
  } catch (error) {
    return { entries: [], error: asFerryError(error), wrote: false };
  }

  // 4. Server dry-run of every write that can be validated now (custom resources of a CRD created
  //    in this apply, and objects in a Namespace it creates, are dry-run just before their write).
  const toValidate = checked.items.filter(canDryRunNow);
  emit({ type: 'dry-run', count: toValidate.length });
  const { validated, refused } = await dryRunWrites(client, toValidate, context, concurrency);
  if (refused.length > 0) return { ...failedBeforeWriting(refs, refused.map((r) => locate(r.entry)), refused.every((r) => r.retryable)), plan };
  const items = new Map<string, ApplyItem>(checked.items.map((item) => [objectKey(refOf(item.desired)), item]));
  for (const item of validated) items.set(objectKey(refOf(item.desired)), item);
  if (request.dryRun) {
    const layers = layerIndex(plan);
    return { entries: [...items.values()].map((item) => plannedEntry(item, layers.get(objectKey(refOf(item.desired))))), plan, wrote: false };
  }

  // 5. Write, layer by layer.
  const written = await writeLayers(client, plan, items, { ...context, request, locate }, emit);
  return { ...written, plan, wrote: hasWrites(written.entries) };
}

/** The layer the plan puts each object in, by object key. */
function layerIndex(plan: Plan): Map<string, number> {
  const layers = new Map<string, number>();
  for (const layer of plan.layers) for (const object of layer.objects) layers.set(objectKey(refOf(object)), layer.index);
  return layers;
}
