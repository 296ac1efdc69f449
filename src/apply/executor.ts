import type { KubeObject, ObjectRef } from '../objects.js';
import { sleep } from '../sleep.js';
import { formatRef, groupOf, objectKey, refOf } from '../objects.js';
import { FerryError, describeError } from '../errors.js';
import {
  InvalidError,
  UnknownKindError,
  isPatchTestFailure,
  type ApiResource,
  type DeleteOptions,
  type JsonPatchOperation,
  type ListOptions,
  type WriteOptions,
} from '../kube/index.js';
import { diffObject, listKeysFromCrd, type DiffOptions, type IgnoreRule, type ListKeySchema, type ObjectDiff } from '../diff/index.js';
import { waitForHealth } from '../health/index.js';
import { planLayers, type Plan } from './planner.js';
import { mapBounded } from './bounded.js';
import type { ApplyEvent, ChangeEntry } from './changeset.js';
import { FORCE_ANNOTATION } from '../well-known.js';
import { checkOwnership, isAnnotationTrue, withSyncLabels } from './ownership.js';

/** The part of the Kubernetes gateway the executor uses (src/kube's KubeClient). */
export interface ApplyClient {
  resourceFor(apiVersion: string, kind: string): Promise<ApiResource>;
  invalidateDiscovery(): void;
  get(ref: ObjectRef): Promise<KubeObject>;
  getOrNull(ref: ObjectRef): Promise<KubeObject | null>;
  list(apiVersion: string, kind: string, options?: ListOptions): Promise<KubeObject[]>;
  create(object: KubeObject, options?: WriteOptions): Promise<KubeObject>;
  jsonPatch(ref: ObjectRef, operations: JsonPatchOperation[], options?: WriteOptions): Promise<KubeObject>;
  delete(ref: ObjectRef, options?: DeleteOptions): Promise<void>;
}

export interface ApplyRequest {
  /** `<namespace>.<name>` of the GitSync: the sync label every applied object gets. */
  sync: string;
  /** The rendered objects of the revision to apply. */
  desired: KubeObject[];
  /** What ferry applied last (the three-way base); empty on the first apply. */
  base: KubeObject[];
  /** Stop after the server dry-run: compute and validate everything, write nothing. */
  dryRun?: boolean;
  /** Stop after the diff: no dry-run requests, no writes (drift detection, `ferry diff`). */
  diffOnly?: boolean;
  /** Refuse objects owned by another sync or not created by ferry (default true). */
  checkOwnership?: boolean;
  /** Recreate objects whose immutable fields changed (else only objects annotated `ferry.dev/force`). */
  force?: boolean;
  ignore?: IgnoreRule[];
  /** Objects of one layer written concurrently (default 8). */
  concurrency?: number;
  /** How long to wait for what a layer depends on (CRDs Established, Namespaces Active …). */
  dependencyTimeoutMs?: number;
  /** Poll interval of the dependency waits (default 1 s). */
  pollIntervalMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: ApplyEvent) => void;
}

export interface ApplyResult {
  entries: ChangeEntry[];
  /** The layered plan that was followed (empty when validation failed first). */
  plan?: Plan;
  /** The first error that stopped the apply; entries say which objects it concerns. */
  error?: FerryError;
}

/** Raised for apply-level failures that are not one object's (a failed dependency wait …). */
export class ApplyError extends FerryError {}

/** The result of reading and diffing one object. */
interface Prepared {
  desired: KubeObject;
  resource?: ApiResource;
  /** A custom resource whose CRD is created by this same apply: resolved once it is Established. */
  awaitsCrd: boolean;
  /** In a Namespace this same apply creates: the server can only dry-run it once that exists. */
  deferDryRun?: boolean;
  live?: KubeObject;
  diff?: ObjectDiff;
}

const PATCH_RETRIES = 5;
const DEFAULT_CONCURRENCY = 8;

/**
 * Applies one revision: resolve every kind through discovery, read live state with one LIST per
 * kind and namespace, check ownership, three-way diff, server dry-run everything, then write layer
 * by layer in dependency order. Nothing is written unless every object validated; a failure in
 * layer N leaves the layers after it untouched.
 */
export async function applyObjects(client: ApplyClient, request: ApplyRequest): Promise<ApplyResult> {
  const emit = request.onEvent ?? (() => {});
  const desired = request.desired.map((object) => withSyncLabels(object, request.sync));
  const baseByKey = new Map(request.base.map((object) => [objectKey(refOf(object)), object]));
  const crdsInSet = desired.filter(isCrd);

  // 1. Resolve kinds and read live state; collect every problem before touching anything.
  const problems: ChangeEntry[] = [];
  const prepared = await resolveResources(client, desired, crdsInSet, problems);
  await readLiveState(client, prepared);
  const listKeys = await collectListKeys(client, prepared, crdsInSet);
  for (const item of prepared) {
    if (item.awaitsCrd || !item.resource) continue;
    const ownership = item.live && request.checkOwnership !== false ? checkOwnership(item.desired, item.live, request.sync) : undefined;
    if (ownership) {
      problems.push({ ref: refOf(item.desired), action: 'failed', error: ownership, message: ownership.message });
      continue;
    }
    item.diff = computeDiff(item, baseByKey, { ignore: request.ignore ?? [], listKeys });
  }
  if (problems.length > 0) return failedBeforeWriting(prepared, problems);
  const newNamespaces = new Set(prepared.filter((item) => item.desired.kind === 'Namespace' && !item.live).map((item) => item.desired.metadata.name));
  for (const item of prepared) if (item.desired.metadata.namespace && newNamespaces.has(item.desired.metadata.namespace)) item.deferDryRun = true;
  if (request.diffOnly) return { entries: prepared.map((item) => plannedEntry(item, new Map())) };

  // 2. Order: dependency layers.
  let plan: Plan;
  try {
    plan = planLayers(desired);
  } catch (error) {
    return { entries: [], error: asFerryError(error) };
  }
  const layerOf = new Map<string, number>();
  plan.layers.forEach((layer) => layer.objects.forEach((object) => layerOf.set(objectKey(refOf(object)), layer.index)));
  const byKey = new Map(prepared.map((item) => [objectKey(refOf(item.desired)), item]));

  // 3. Server dry-run of every write we can validate now (custom resources of a CRD created in
  //    this apply are validated once the CRD is Established, just before they are written).
  const toValidate = prepared.filter((item) => !item.awaitsCrd && !item.deferDryRun && item.diff && isWrite(item.diff));
  emit({ type: 'dry-run', count: toValidate.length });
  const dryRunFailures = (
    await mapBounded(toValidate, request.concurrency ?? DEFAULT_CONCURRENCY, async (item) => {
      try {
        await writeDiff(client, item, { dryRun: true });
        return undefined;
      } catch (error) {
        const ferryError = asFerryError(error, item.desired);
        return { ref: refOf(item.desired), action: 'failed', error: ferryError, message: ferryError.message } satisfies ChangeEntry;
      }
    })
  ).filter((entry): entry is NonNullable<typeof entry> => entry !== undefined);
  if (dryRunFailures.length > 0) return { ...failedBeforeWriting(prepared, dryRunFailures), plan };

  if (request.dryRun) {
    const entries = prepared.map((item) => plannedEntry(item, layerOf));
    return { entries, plan };
  }

  // 4. Write, layer by layer.
  const entries: ChangeEntry[] = [];
  let stopped: FerryError | undefined;
  for (const layer of plan.layers) {
    const items = layer.objects.map((object) => byKey.get(objectKey(refOf(object)))).filter((item): item is Prepared => item !== undefined);
    if (stopped) {
      entries.push(...items.map((item) => skippedEntry(item, layer.index, 'not applied: an earlier layer failed')));
      continue;
    }
    emit({ type: 'layer', index: layer.index, total: plan.layers.length, objects: items.map((item) => refOf(item.desired)) });
    const waitError = await waitForDependencies(client, layer.waitFor, layer.index, request, emit);
    if (waitError) {
      stopped = waitError;
      entries.push(...items.map((item) => ({ ...skippedEntry(item, layer.index, waitError.message), action: 'failed' as const, error: waitError })));
      continue;
    }
    const layerEntries = await mapBounded(items, request.concurrency ?? DEFAULT_CONCURRENCY, async (item) => {
      const entry = await applyOne(client, item, layer.index, baseByKey, listKeys, request);
      emit({ type: 'object', entry });
      return entry;
    });
    entries.push(...layerEntries);
    const failure = layerEntries.find((entry) => entry.action === 'failed');
    if (failure) stopped = failure.error ?? new ApplyError('APPLY_FAILED', `${formatRef(failure.ref)}: ${failure.message ?? 'failed'}`);
    if (request.signal?.aborted && !stopped) stopped = new ApplyError('APPLY_CANCELLED', 'apply cancelled before all layers were written');
  }
  return { entries, plan, ...(stopped ? { error: stopped } : {}) };
}

/** Discovery for every object; custom resources of a CRD in the same set may wait for it. */
async function resolveResources(client: ApplyClient, desired: KubeObject[], crds: KubeObject[], problems: ChangeEntry[]): Promise<Prepared[]> {
  const resolved = new Map<string, Promise<ApiResource | Error>>();
  const resolve = (apiVersion: string, kind: string) => {
    const key = `${apiVersion}/${kind}`;
    let promise = resolved.get(key);
    if (!promise) {
      promise = client.resourceFor(apiVersion, kind).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      resolved.set(key, promise);
    }
    return promise;
  };
  return Promise.all(
    desired.map(async (object): Promise<Prepared> => {
      const resource = await resolve(object.apiVersion, object.kind);
      if (!(resource instanceof Error)) {
        const fixed = resource.namespaced ? object : withoutNamespace(object);
        return { desired: fixed, resource, awaitsCrd: false };
      }
      if (resource instanceof UnknownKindError && crds.some((crd) => crdDefines(crd, object))) {
        return { desired: object, awaitsCrd: true };
      }
      const error = asFerryError(resource, object);
      problems.push({ ref: refOf(object), action: 'failed', error, message: error.message });
      return { desired: object, awaitsCrd: false };
    }),
  );
}

/** One LIST per (apiVersion, kind, namespace): how ferry reads live state without N GETs. */
async function readLiveState(client: ApplyClient, prepared: Prepared[]): Promise<void> {
  const groups = new Map<string, Prepared[]>();
  for (const item of prepared) {
    if (!item.resource) continue;
    const key = `${item.desired.apiVersion}|${item.desired.kind}|${item.resource.namespaced ? item.desired.metadata.namespace ?? '' : ''}`;
    const group = groups.get(key) ?? [];
    group.push(item);
    groups.set(key, group);
  }
  await mapBounded([...groups.values()], DEFAULT_CONCURRENCY, async (items) => {
    const first = items[0] as Prepared;
    const namespace = first.resource?.namespaced ? first.desired.metadata.namespace : undefined;
    const live = await client.list(first.desired.apiVersion, first.desired.kind, namespace ? { namespace } : {});
    const byName = new Map(live.map((object) => [object.metadata.name, object]));
    for (const item of items) {
      const found = byName.get(item.desired.metadata.name);
      if (found) item.live = found;
    }
  });
}

/** List keys of custom resources, from their CRDs (in the set or on the cluster). */
async function collectListKeys(client: ApplyClient, prepared: Prepared[], crdsInSet: KubeObject[]): Promise<ListKeySchema> {
  const schema: ListKeySchema = {};
  const seen = new Set<string>();
  for (const item of prepared) {
    const group = groupOf(item.desired.apiVersion);
    if (!group.includes('.') || group.endsWith('.k8s.io') || seen.has(`${group}/${item.desired.kind}`)) continue;
    seen.add(`${group}/${item.desired.kind}`);
    let crd = crdsInSet.find((candidate) => crdDefines(candidate, item.desired));
    if (!crd && item.resource) {
      crd =
        (await client
          .getOrNull({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: `${item.resource.name}.${group}` })
          .catch(() => null)) ?? undefined;
    }
    if (crd) Object.assign(schema, listKeysFromCrd(crd));
  }
  return schema;
}

function computeDiff(item: Prepared, baseByKey: Map<string, KubeObject>, options: DiffOptions): ObjectDiff {
  const base = baseByKey.get(objectKey(refOf(item.desired)));
  return diffObject({ desired: item.desired, ...(base ? { base } : {}), ...(item.live ? { live: item.live } : {}) }, options);
}

/** Writes one object: create, patch (re-read and recompute on a concurrent write), or recreate. */
async function applyOne(
  client: ApplyClient,
  item: Prepared,
  layer: number,
  baseByKey: Map<string, KubeObject>,
  listKeys: ListKeySchema,
  request: ApplyRequest,
): Promise<ChangeEntry> {
  const ref = refOf(item.desired);
  const options: DiffOptions = { ignore: request.ignore ?? [], listKeys };
  try {
    if (item.awaitsCrd) {
      // The CRD is Established now (the layer waited for it): resolve, read and validate.
      client.invalidateDiscovery();
      item.resource = await client.resourceFor(item.desired.apiVersion, item.desired.kind);
      item.live = (await client.getOrNull(ref)) ?? undefined;
      if (item.live) {
        const ownership = checkOwnership(item.desired, item.live, request.sync);
        if (ownership) return { ref, layer, action: 'failed', error: ownership, message: ownership.message };
      }
      item.diff = computeDiff(item, baseByKey, options);
      if (isWrite(item.diff)) await writeDiff(client, item, { dryRun: true });
    }
    if (item.deferDryRun && item.diff && isWrite(item.diff)) await writeDiff(client, item, { dryRun: true });
    for (let attempt = 1; ; attempt++) {
      const diff = item.diff as ObjectDiff;
      if (!isWrite(diff)) return { ref, layer, action: 'unchanged', diff };
      try {
        const written = await writeDiff(client, item, {});
        return { ref, layer, action: diff.action === 'create' ? 'created' : 'configured', diff, message: diff.paths.join(', '), ...resourceVersionOf(written) };
      } catch (error) {
        if (isPatchTestFailure(error) && attempt < PATCH_RETRIES) {
          // Someone wrote in between: re-read and recompute, never overwrite their change blindly.
          item.live = (await client.getOrNull(ref)) ?? undefined;
          item.diff = computeDiff(item, baseByKey, options);
          continue;
        }
        if (isImmutableFieldError(error)) return await recreate(client, item, layer, error as InvalidError, request);
        throw error;
      }
    }
  } catch (error) {
    const ferryError = asFerryError(error, item.desired);
    return { ref, layer, action: 'failed', error: ferryError, message: ferryError.message, ...(item.diff ? { diff: item.diff } : {}) };
  }
}

/** Delete and create again, when an immutable field changed and the user opted in. */
async function recreate(client: ApplyClient, item: Prepared, layer: number, cause: InvalidError, request: ApplyRequest): Promise<ChangeEntry> {
  const ref = refOf(item.desired);
  const fields = cause.causes.map((c) => c.field).filter(Boolean).join(', ');
  if (!request.force && !isAnnotationTrue(item.desired, FORCE_ANNOTATION)) {
    const error = new ApplyError(
      'APPLY_IMMUTABLE_FIELD',
      `${formatRef(ref)}: cannot change immutable field${fields ? ` ${fields}` : ''}; set the annotation ${FORCE_ANNOTATION}: "true" (or spec.force on the GitSync) to let ferry delete and recreate it`,
      { cause, details: { ref, fields } },
    );
    return { ref, layer, action: 'failed', error, message: error.message, ...(item.diff ? { diff: item.diff } : {}) };
  }
  await client.delete(ref, { propagationPolicy: 'Foreground' });
  await waitUntilGone(client, ref, request);
  const created = diffObject({ desired: item.desired });
  const written = await client.create(created.target ?? item.desired);
  return { ref, layer, action: 'recreated', diff: created, message: `immutable field${fields ? ` ${fields}` : ''} changed`, ...resourceVersionOf(written) };
}

async function waitUntilGone(client: ApplyClient, ref: ObjectRef, request: ApplyRequest): Promise<void> {
  const deadline = Date.now() + (request.dependencyTimeoutMs ?? 300_000);
  while ((await client.getOrNull(ref)) !== null) {
    if (Date.now() > deadline) throw new ApplyError('APPLY_DELETE_TIMEOUT', `${formatRef(ref)}: still present after deletion; cannot recreate it`);
    await sleep(request.pollIntervalMs ?? 1000, request.signal);
  }
}

/** Waits until what a layer depends on is ready; an error when it does not become so in time. */
async function waitForDependencies(
  client: ApplyClient,
  refs: ObjectRef[],
  layer: number,
  request: ApplyRequest,
  emit: (event: ApplyEvent) => void,
): Promise<FerryError | undefined> {
  if (refs.length === 0) return undefined;
  emit({ type: 'waiting', layer, refs });
  const result = await waitForHealth(client, refs, {
    timeoutMs: request.dependencyTimeoutMs ?? 300_000,
    intervalMs: request.pollIntervalMs ?? 1000,
    ...(request.signal ? { signal: request.signal } : {}),
  });
  if (result.healthy) return undefined;
  return new ApplyError(
    'APPLY_DEPENDENCY_NOT_READY',
    `layer ${layer + 1} depends on objects that did not become ready${result.timedOut ? ' in time' : ''}: ${result.overall.message}`,
    { details: { layer, refs } },
  );
}

function writeDiff(client: ApplyClient, item: Prepared, options: WriteOptions): Promise<KubeObject> {
  const diff = item.diff as ObjectDiff;
  if (diff.action === 'create') return client.create(diff.target ?? item.desired, options);
  return client.jsonPatch(refOf(item.desired), diff.patch, options);
}

function resourceVersionOf(object: KubeObject | undefined): { resourceVersion?: string } {
  const version = object?.metadata?.resourceVersion;
  return version ? { resourceVersion: version } : {};
}

function isWrite(diff: ObjectDiff): boolean {
  return diff.action === 'create' || diff.action === 'changed';
}

function plannedEntry(item: Prepared, layerOf: Map<string, number>): ChangeEntry {
  const ref = refOf(item.desired);
  const layer = layerOf.get(objectKey(ref));
  const action = !item.diff ? 'created' : item.diff.action === 'create' ? 'created' : item.diff.action === 'changed' ? 'configured' : 'unchanged';
  return { ref, action, ...(layer === undefined ? {} : { layer }), ...(item.diff ? { diff: item.diff, message: item.diff.paths.join(', ') } : { message: 'custom resource of a CRD created by this sync' }) };
}

function skippedEntry(item: Prepared, layer: number, message: string): ChangeEntry {
  return { ref: refOf(item.desired), layer, action: 'skipped', message, ...(item.diff ? { diff: item.diff } : {}) };
}

function failedBeforeWriting(prepared: Prepared[], problems: ChangeEntry[]): ApplyResult {
  const failed = new Set(problems.map((entry) => objectKey(entry.ref)));
  const skipped = prepared
    .filter((item) => !failed.has(objectKey(refOf(item.desired))))
    .map((item): ChangeEntry => ({ ref: refOf(item.desired), action: 'skipped', message: 'not applied: other objects failed validation' }));
  const first = problems[0]?.error;
  const error =
    problems.length === 1 && first
      ? first
      : new ApplyError('APPLY_VALIDATION_FAILED', `${problems.length} objects failed validation, nothing was applied:\n${problems.map((p) => `  ${p.error?.message ?? formatRef(p.ref)}`).join('\n')}`, {
          details: { refs: problems.map((p) => p.ref) },
        });
  return { entries: [...problems, ...skipped], error };
}

function isImmutableFieldError(error: unknown): boolean {
  return error instanceof InvalidError && (error.causes.some((cause) => /immutable/i.test(cause.message)) || /field is immutable/i.test(error.message));
}

function isCrd(object: KubeObject): boolean {
  return object.kind === 'CustomResourceDefinition' && groupOf(object.apiVersion) === 'apiextensions.k8s.io';
}

/** True when `crd` declares the group and kind of `object`. */
function crdDefines(crd: KubeObject, object: KubeObject): boolean {
  const spec = crd.spec as { group?: string; names?: { kind?: string } } | undefined;
  return spec?.group === groupOf(object.apiVersion) && spec?.names?.kind === object.kind;
}

function withoutNamespace(object: KubeObject): KubeObject {
  if (object.metadata.namespace === undefined) return object;
  const { namespace: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata: metadata as KubeObject['metadata'] };
}

function asFerryError(error: unknown, object?: KubeObject): FerryError {
  if (error instanceof FerryError) return error;
  const prefix = object ? `${formatRef(refOf(object))}: ` : '';
  return new ApplyError('APPLY_FAILED', `${prefix}${describeError(error)}`, { cause: error });
}


