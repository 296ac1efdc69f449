import type { KubeObject, ObjectRef } from '../objects.js';
import { formatRef, groupOf, objectKey, refOf } from '../objects.js';
import { FerryError } from '../errors.js';
import { sleep } from '../sleep.js';
import { NotFoundError, UnknownKindError } from '../kube/index.js';
import { deletionLayers, deletionOrder } from './planner.js';
import { DEFAULT_DEPENDENCY_TIMEOUT_MS, DEFAULT_POLL_INTERVAL_MS, type ApplyClient } from './apply-request.js';
import type { ApplyEvent, ChangeEntry } from './changeset.js';
import { PRUNE_ANNOTATION, SYNC_LABEL } from '../well-known.js';

export interface PruneRequest {
  sync: string;
  /** What the previous revision applied (its rendered objects). */
  previous: KubeObject[];
  /**
   * The sync's inventory (GitSync status): what earlier reconciles applied. Candidates too, so a
   * lost or unreadable history entry does not orphan its objects.
   */
  inventory?: ObjectRef[];
  /** What the new revision renders. */
  desired: KubeObject[];
  /** Allow pruning everything when the new revision renders no objects at all. */
  allowEmpty?: boolean;
  dryRun?: boolean;
  /** Once aborted, no further object is deleted. */
  signal?: AbortSignal;
  /** How long deleted objects may take to be gone (finalizers) before what they depend on is deleted (default 5 min). */
  timeoutMs?: number;
  /** Poll interval of that wait (default 1 s). */
  pollIntervalMs?: number;
  onEvent?: (event: ApplyEvent) => void;
}

/** Raised when pruning would delete everything because the render came back empty. */
export class PruneRefusedError extends FerryError {}

/**
 * Kinds pruned only on an explicit opt-in (`ferry.dev/prune: "true"`), and what deleting one does.
 * A directory moved in Git must not take a database's volume, a team's Namespace or every custom
 * resource of a kind with it.
 */
const PROTECTED: Readonly<Record<string, string>> = {
  'apiextensions.k8s.io/CustomResourceDefinition': 'deleting it deletes every custom resource of its kind',
  '/Namespace': 'deleting it deletes everything in it',
  '/PersistentVolumeClaim': 'deleting it can delete its volume and data',
  '/PersistentVolume': 'deleting it can delete its data',
};

/**
 * The objects of `previous` (and of the `inventory`) that `desired` no longer has, in deletion
 * (reverse apply) order.
 */
export function pruneCandidates(previous: KubeObject[], desired: KubeObject[], inventory: ObjectRef[] = []): KubeObject[] {
  return deletionOrder(candidateObjects(previous, desired, inventory));
}

/**
 * Deletes what left Git, dependents first: the apply layers in reverse, each layer's deletions
 * awaited until the objects are gone (their finalizers ran) before the next layer's — so custom
 * resources are gone before their operator and CRD, and nothing is left stuck Terminating. Only
 * objects that still carry this sync's label (someone may have taken an object over by hand) and
 * are not annotated `ferry.dev/prune: "false"` are deleted; CRDs, Namespaces and volume claims only
 * when annotated `ferry.dev/prune: "true"`. An empty render never prunes unless explicitly
 * allowed: an empty directory is far more often a mistake than an intent.
 */
export async function pruneObjects(client: ApplyClient, request: PruneRequest): Promise<ChangeEntry[]> {
  const candidates = candidateObjects(request.previous, request.desired, request.inventory ?? []);
  if (candidates.length === 0) return [];
  if (request.desired.length === 0 && !request.allowEmpty) {
    throw new PruneRefusedError(
      'APPLY_PRUNE_EMPTY_RENDER',
      `the revision renders no objects; refusing to prune all ${candidates.length} objects of the previous revision (pass --allow-empty if that is intended)`,
      { details: { count: candidates.length } },
    );
  }
  request.onEvent?.({ type: 'prune', count: candidates.length });
  const layers = deletionLayers(candidates);
  const entries: ChangeEntry[] = [];
  const discovery: DiscoveryRefresh = { refreshed: false };
  for (const [index, layer] of layers.entries()) {
    const deleted: ObjectRef[] = [];
    for (const object of layer) {
      if (request.signal?.aborted) return entries;
      const result = await pruneOne(client, object, request, discovery);
      if (!result) continue;
      entries.push(result.entry);
      if (result.entry.action === 'deleted') {
        deleted.push(result.ref);
        request.onEvent?.({ type: 'object', entry: result.entry });
      }
    }
    const later = layers.slice(index + 1).flat();
    if (request.dryRun || deleted.length === 0 || later.length === 0) continue;
    const stuck = await waitUntilGone(client, deleted, request);
    if (stuck.length === 0) continue;
    // What is still being deleted may need what comes later (its operator, its CRD, its Namespace).
    const seconds = Math.round((request.timeoutMs ?? DEFAULT_DEPENDENCY_TIMEOUT_MS) / 1000);
    for (const { ref, live } of stuck) {
      const at = entries.findIndex((entry) => entry.action === 'deleted' && objectKey(entry.ref) === objectKey(ref));
      const finalizers = live.metadata.finalizers as string[] | undefined;
      const message = `${formatRef(ref)}: still being deleted after ${seconds}s${finalizers?.length ? ` (finalizers: ${finalizers.join(', ')})` : ''}; not pruning what it may need to finish`;
      entries[at] = { ref, action: 'failed', message };
    }
    const blocker = formatRef((stuck[0] as { ref: ObjectRef }).ref);
    for (const object of later) entries.push({ ref: refOf(object), action: 'skipped', message: `not pruned: waiting for ${blocker} to be deleted first` });
    return entries;
  }
  return entries;
}

function candidateObjects(previous: KubeObject[], desired: KubeObject[], inventory: ObjectRef[]): KubeObject[] {
  const kept = new Set(desired.map((object) => objectKey(refOf(object))));
  const candidates = new Map<string, KubeObject>();
  for (const object of previous) candidates.set(objectKey(refOf(object)), object);
  for (const ref of inventory) if (!candidates.has(objectKey(ref))) candidates.set(objectKey(ref), stubOf(ref));
  return [...candidates.entries()].filter(([key]) => !kept.has(key)).map(([, object]) => object);
}

/** Enough of an object to find and delete it. */
function stubOf(ref: ObjectRef): KubeObject {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } };
}

/** Prunes one object; undefined when it is already gone. `ref` is where it was found. */
async function pruneOne(client: ApplyClient, recorded: KubeObject, request: PruneRequest, discovery: DiscoveryRefresh): Promise<{ ref: ObjectRef; entry: ChangeEntry } | undefined> {
  const found = await findLive(client, refOf(recorded), discovery);
  if (!found) return undefined;
  const { ref, live } = found;
  const skip = (message: string) => ({ ref, entry: { ref, action: 'skipped' as const, message } });
  if (live.metadata.labels?.[SYNC_LABEL] !== request.sync) return skip(`not pruned: no longer labelled ${SYNC_LABEL}=${request.sync}`);
  const optIn = live.metadata.annotations?.[PRUNE_ANNOTATION] ?? recorded.metadata.annotations?.[PRUNE_ANNOTATION];
  if (live.metadata.annotations?.[PRUNE_ANNOTATION] === 'false') return skip(`not pruned: ${PRUNE_ANNOTATION}: "false"`);
  const protection = PROTECTED[`${groupOf(ref.apiVersion)}/${ref.kind}`];
  if (protection && optIn !== 'true') {
    return skip(`not pruned: a ${ref.kind} is pruned only when annotated ${PRUNE_ANNOTATION}: "true" (${protection}); annotate it in Git before removing it, or on the cluster, or delete it by hand`);
  }
  if (request.dryRun) return { ref, entry: { ref, action: 'deleted', message: 'would be pruned' } };
  try {
    await client.delete(ref, { propagationPolicy: 'Background' });
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    const message = error instanceof Error ? error.message : String(error);
    return { ref, entry: { ref, action: 'failed', message, ...(error instanceof FerryError ? { error } : {}) } };
  }
  return { ref, entry: { ref, action: 'deleted', message: 'pruned' } };
}

/**
 * The live object behind a recorded reference. An object recorded at an apiVersion the server
 * no longer serves (`policy/v1beta1` after an upgrade, a CRD's `v1beta1` once it serves only
 * `v1`) is found at the version its group prefers — also when the recorded version only answers
 * 404 (discovery read while the version was still served): a 404 there is no proof the object is
 * gone. A kind no version serves (its CRD was deleted) is gone, and so are its objects.
 */
async function findLive(client: ApplyClient, recorded: ObjectRef, discovery: DiscoveryRefresh): Promise<{ ref: ObjectRef; live: KubeObject } | undefined> {
  try {
    const live = await client.getOrNull(recorded);
    if (live) return { ref: recorded, live };
  } catch (error) {
    if (!(error instanceof UnknownKindError)) throw error;
  }
  let resource;
  try {
    resource = await client.resourceForGroupKind(groupOf(recorded.apiVersion), recorded.kind);
  } catch (error) {
    if (error instanceof UnknownKindError) return undefined;
    throw error;
  }
  if (resource.apiVersion === recorded.apiVersion) {
    // Discovery may be older than the version's removal: ask the server again, once per prune.
    if (discovery.refreshed) return undefined;
    discovery.refreshed = true;
    client.invalidateDiscovery();
    return findLive(client, recorded, discovery);
  }
  const ref = { ...recorded, apiVersion: resource.apiVersion };
  const live = await client.getOrNull(ref);
  return live ? { ref, live } : undefined;
}

/** Whether one prune already asked for fresh discovery (at most once: an object gone for good costs one refresh, not one each). */
interface DiscoveryRefresh {
  refreshed: boolean;
}

/** Waits until every deleted object is gone; returns those still there when the time is up. */
async function waitUntilGone(client: ApplyClient, refs: ObjectRef[], request: PruneRequest): Promise<Array<{ ref: ObjectRef; live: KubeObject }>> {
  const deadline = Date.now() + (request.timeoutMs ?? DEFAULT_DEPENDENCY_TIMEOUT_MS);
  let remaining = refs;
  for (;;) {
    const present: Array<{ ref: ObjectRef; live: KubeObject }> = [];
    for (const ref of remaining) {
      const live = await client.getOrNull(ref).catch((error: unknown) => (error instanceof UnknownKindError ? null : Promise.reject(error)));
      if (live) present.push({ ref, live });
    }
    if (present.length === 0 || request.signal?.aborted || Date.now() >= deadline) return request.signal?.aborted ? [] : present;
    remaining = present.map((p) => p.ref);
    await sleep(request.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, request.signal);
  }
}
