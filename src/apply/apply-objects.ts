import { objectKey, refOf } from '../objects.js';
import { DEFAULT_CONCURRENCY, type ApplyClient, type ApplyRequest, type ApplyResult } from './apply-request.js';
import { hasWrites, type ChangeEntry } from './changeset.js';
import { failedValidation, plannedEntry, skippedEntry } from './entries.js';
import { asFerryError } from './errors.js';
import { sourceLocator, type Locator } from './locate.js';
import { checkSyncLabel, withSyncLabels } from './ownership.js';
import { planLayers, type Plan } from './planner.js';
import { readLive } from './read-live.js';
import { resolveKinds } from './resolve.js';
import { catalogOf } from './schemas.js';
import { isClusterDefinition, stageOneLayers, stageTwoLayers } from './stages.js';
import { canDryRunNow, checkObjects, dryRunWrites, type ApplyItem, type CheckedObject, type ValidateContext } from './validate.js';
import { waitForDependencies } from './wait-for-dependencies.js';
import { writeLayers } from './write-layers.js';

export type { ApplyClient, ApplyRequest, ApplyResult } from './apply-request.js';
export { ApplyError } from './errors.js';

/**
 * Applies one revision: resolve every kind through discovery, read live state with one LIST per
 * kind and namespace, check ownership, three-way diff and server dry-run everything the server can
 * validate yet; then, as a first stage, write the Namespaces and CRDs and wait until they are
 * ready; then resolve, read and dry-run what they made possible (objects in the new Namespaces,
 * custom resources of the new CRDs) and only when all of it validated write the rest, layer by
 * layer in dependency order. A failure in layer N leaves the layers after it untouched; the
 * entries say what was written and what was not.
 */
export async function applyObjects(client: ApplyClient, request: ApplyRequest): Promise<ApplyResult> {
  const emit = request.onEvent ?? (() => {});
  const concurrency = request.concurrency ?? DEFAULT_CONCURRENCY;
  const refused = checkSyncLabel(request.sync);
  if (refused) return { entries: request.desired.map((object) => ({ ref: refOf(object), action: 'skipped', message: refused.message })), error: refused, wrote: false };
  const desired = request.desired.map((object) => withSyncLabels(object, request.sync));
  const refs = desired.map(refOf);
  const locate = sourceLocator(desired, request.sources);

  // 1. Resolve kinds and read live state.
  const resolution = await resolveKinds(client, desired);
  const cache = request.liveCache ? { live: request.liveCache, sync: request.sync } : undefined;
  const { live, denied } = await readLive(client, resolution.objects, concurrency, cache);
  const context: ValidateContext = {
    diff: {
      base: new Map(request.base.map((object) => [objectKey(refOf(object)), object])),
      schemas: await (request.schemas ?? catalogOf(client)).schemasFor(client, resolution.objects, desired),
      options: { ignore: request.ignore ?? [] },
    },
    ownership: { sync: request.sync, enforce: request.checkOwnership !== false, ...(request.adoption ? { adoption: request.adoption } : {}) },
    force: request.force ?? false,
  };

  // 2. Check ownership and diff; every problem is collected before anything is touched.
  const checked = await checkObjects(resolution.objects, live, context.diff, context.ownership);
  const problems = [...resolution.problems, ...denied, ...checked.problems];
  if (problems.length > 0) return failedValidation(refs, problems.map(locate));
  if (request.diffOnly) return { entries: checked.items.map((item) => plannedEntry(item)), wrote: false, live };

  // 3. Order: dependency layers.
  let plan: Plan;
  try {
    plan = planLayers(desired);
  } catch (error) {
    return { entries: [], error: asFerryError(error), wrote: false };
  }

  // 4. Server dry-run of every write the server can validate before anything exists.
  const toValidate = checked.items.filter(canDryRunNow);
  emit({ type: 'dry-run', count: toValidate.length });
  const dryRun = await dryRunWrites(client, toValidate, context, concurrency);
  if (dryRun.refused.length > 0) return { ...failedValidation(refs, dryRun.refused.map((r) => locate(r.entry)), { retryable: dryRun.refused.every((r) => r.retryable) }), plan };
  const items = new Map<string, ApplyItem>(checked.items.map((item) => [objectKey(refOf(item.desired)), item]));
  for (const item of dryRun.validated) items.set(objectKey(refOf(item.desired)), item);
  if (request.dryRun) {
    const layers = layerIndex(plan);
    return { entries: [...items.values()].map((item) => plannedEntry(item, layers.get(objectKey(refOf(item.desired))))), plan, wrote: false };
  }

  // 5. Stage one: the Namespaces and CRDs, then wait until what the rest needs of them is ready.
  const writeContext = { ...context, request, locate };
  const ready = readyItems(items);
  const first = await writeLayers(client, stageOneLayers(plan), plan.layers.length, ready, writeContext, emit);
  const stageTwo = [...items.values()].filter((item) => !isClusterDefinition(item.desired));
  if (first.error) return { entries: [...first.entries, ...skipAll(stageTwo, plan, 'not applied: an earlier layer failed')], error: first.error, plan, wrote: hasWrites(first.entries) };
  const pending = stageTwo.filter((item) => item.state === 'awaits-crd' || item.dryRunDeferred);
  if (pending.length > 0) {
    const notReady = await waitForDependencies(client, writtenRefs(first.entries), stageTwoLayers(plan)[0]?.index ?? 0, request, emit);
    if (notReady) return { entries: [...first.entries, ...skipAll(stageTwo, plan, notReady.message)], error: notReady, plan, wrote: hasWrites(first.entries) };

    // 6. Stage two's validation: what stage one made possible is resolved, read, checked and
    //    dry-run; nothing of stage two is written unless all of it validates.
    const late = await validateStageTwo(client, pending, context, concurrency, emit, locate);
    if (late.problems.length > 0) {
      return { ...failedValidation(refs, late.problems, { written: first.entries, retryable: late.retryable }), plan };
    }
    for (const item of late.validated) items.set(objectKey(refOf(item.desired)), { ...item, state: 'checked', dryRunDeferred: false });
  }

  // 7. Stage two: write, layer by layer.
  const second = await writeLayers(client, stageTwoLayers(plan), plan.layers.length, readyItems(items), writeContext, emit);
  const entries = [...first.entries, ...second.entries];
  return { entries, plan, wrote: hasWrites(entries), ...(second.error ? { error: second.error } : {}) };
}

/**
 * Resolves, reads, checks and dry-runs the objects stage one made possible: custom resources of
 * the CRDs it created (their kinds are served now) and objects in the Namespaces it created.
 */
async function validateStageTwo(
  client: ApplyClient,
  pending: ApplyItem[],
  context: ValidateContext,
  concurrency: number,
  emit: NonNullable<ApplyRequest['onEvent']>,
  locate: Locator,
): Promise<{ validated: CheckedObject[]; problems: ChangeEntry[]; retryable: boolean }> {
  const deferred = pending.filter((item): item is Extract<ApplyItem, { state: 'checked' }> => item.state === 'checked');
  const awaiting = pending.filter((item) => item.state === 'awaits-crd').map((item) => item.desired);
  client.invalidateDiscovery();
  const resolution = await resolveKinds(client, awaiting);
  const { live, denied } = await readLive(client, resolution.objects, concurrency);
  const checked = await checkObjects(resolution.objects, live, context.diff, context.ownership);
  const problems = [...resolution.problems, ...denied, ...checked.problems].map(locate);
  const candidates: CheckedObject[] = [...deferred, ...checked.items.filter((item): item is Extract<ApplyItem, { state: 'checked' }> => item.state === 'checked')];
  if (problems.length > 0) return { validated: [], problems, retryable: false };
  emit({ type: 'dry-run', count: candidates.length });
  const { validated, refused } = await dryRunWrites(client, candidates, context, concurrency);
  return { validated, problems: refused.map((r) => locate(r.entry)), retryable: refused.length > 0 && refused.every((r) => r.retryable) };
}

/** The validated items by object key (custom resources still awaiting their CRD are left out). */
function readyItems(items: ReadonlyMap<string, ApplyItem>): Map<string, CheckedObject> {
  const ready = new Map<string, CheckedObject>();
  for (const [key, item] of items) if (item.state === 'checked') ready.set(key, item);
  return ready;
}

function skipAll(items: ApplyItem[], plan: Plan, message: string): ChangeEntry[] {
  const layers = layerIndex(plan);
  return items.map((item) => skippedEntry(item, layers.get(objectKey(refOf(item.desired))), message));
}

function writtenRefs(entries: ChangeEntry[]) {
  return entries.filter((entry) => hasWrites([entry])).map((entry) => entry.ref);
}

/** The layer the plan puts each object in, by object key. */
function layerIndex(plan: Plan): Map<string, number> {
  const layers = new Map<string, number>();
  for (const layer of plan.layers) for (const object of layer.objects) layers.set(objectKey(refOf(object)), layer.index);
  return layers;
}
