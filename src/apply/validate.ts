import type { KubeObject } from '../objects.js';
import { objectKey, refOf } from '../objects.js';
import type { ApiResource } from '../kube/index.js';
import { diffObject, type DiffOptions, type ObjectDiff } from '../diff/index.js';
import type { ApplyClient } from './apply-request.js';
import { mapBounded } from './bounded.js';
import type { ChangeEntry } from './changeset.js';
import { asFerryError } from './errors.js';
import { checkOwnership } from './ownership.js';
import type { LiveObjects } from './read-live.js';
import type { ResolvedObject } from './resolve.js';
import { isWrite, sendDiff } from './send-diff.js';

/** How to compute three-way diffs: each object's base (by object key) and the diff options. */
export interface DiffContext {
  base: ReadonlyMap<string, KubeObject>;
  options: DiffOptions;
}

/** An object whose kind is served, with its live state and the change that makes it match Git. */
export interface CheckedObject {
  desired: KubeObject;
  resource: ApiResource;
  live?: KubeObject;
  diff: ObjectDiff;
}

/** What the dry run and the writes work on. */
export type ApplyItem =
  /** Checked now; `dryRunDeferred` when it lives in a Namespace this apply creates (the server can dry-run it only once that exists). */
  | ({ state: 'checked'; dryRunDeferred: boolean } & CheckedObject)
  /** A custom resource of a CRD this apply creates: checked once the CRD is Established. */
  | { state: 'awaits-crd'; desired: KubeObject };

/** Who may write: the sync's id, and whether objects of others are refused. */
export interface OwnershipPolicy {
  sync: string;
  enforce: boolean;
}

/** The three-way diff of one object against its base and live state. */
export function diffWithBase(desired: KubeObject, live: KubeObject | undefined, context: DiffContext): ObjectDiff {
  const base = context.base.get(objectKey(refOf(desired)));
  return diffObject({ desired, ...(base ? { base } : {}), ...(live ? { live } : {}) }, context.options);
}

/**
 * Checks ownership and computes the diff of every resolved object, collecting every problem
 * before anything is written.
 */
export function checkObjects(objects: ResolvedObject[], live: LiveObjects, context: DiffContext, ownership: OwnershipPolicy): { items: ApplyItem[]; problems: ChangeEntry[] } {
  const problems: ChangeEntry[] = [];
  const checked: ApplyItem[] = [];
  for (const object of objects) {
    if (object.state === 'awaits-crd') {
      checked.push(object);
      continue;
    }
    const current = live.get(objectKey(refOf(object.desired)));
    const conflict = current && ownership.enforce ? checkOwnership(object.desired, current, ownership.sync) : undefined;
    if (conflict) {
      problems.push({ ref: refOf(object.desired), action: 'failed', error: conflict, message: conflict.message });
      continue;
    }
    checked.push({ state: 'checked', desired: object.desired, resource: object.resource, ...(current ? { live: current } : {}), diff: diffWithBase(object.desired, current, context), dryRunDeferred: false });
  }
  const newNamespaces = new Set(checked.filter((item) => item.desired.kind === 'Namespace' && item.state === 'checked' && !item.live).map((item) => item.desired.metadata.name));
  const items = checked.map((item): ApplyItem => {
    const namespace = item.desired.metadata.namespace;
    return item.state === 'checked' && namespace && newNamespaces.has(namespace) ? { ...item, dryRunDeferred: true } : item;
  });
  return { items, problems };
}

/** True when the server can dry-run the item before anything is written. */
export function canDryRunNow(item: ApplyItem): item is Extract<ApplyItem, { state: 'checked' }> {
  return item.state === 'checked' && !item.dryRunDeferred && isWrite(item.diff);
}

/** Server dry-run of every write; returns the objects the server refused, as failed entries. */
export async function dryRunWrites(client: ApplyClient, items: CheckedObject[], concurrency: number): Promise<ChangeEntry[]> {
  const failures = await mapBounded(items, concurrency, async (item): Promise<ChangeEntry | undefined> => {
    try {
      await sendDiff(client, item, { dryRun: true });
      return undefined;
    } catch (error) {
      const ferryError = asFerryError(error, item.desired);
      return { ref: refOf(item.desired), action: 'failed', error: ferryError, message: ferryError.message };
    }
  });
  return failures.filter((entry): entry is ChangeEntry => entry !== undefined);
}

/**
 * Resolves, reads, checks and dry-runs a custom resource whose CRD this apply created, once the
 * CRD is Established. Returns the checked object, or the entry saying why it cannot be written.
 */
export async function checkAfterCrd(client: ApplyClient, desired: KubeObject, context: DiffContext, ownership: OwnershipPolicy): Promise<CheckedObject | ChangeEntry> {
  const ref = refOf(desired);
  client.invalidateDiscovery();
  const resource = await client.resourceFor(desired.apiVersion, desired.kind);
  const live = (await client.getOrNull(ref)) ?? undefined;
  const conflict = live && ownership.enforce ? checkOwnership(desired, live, ownership.sync) : undefined;
  if (conflict) return { ref, action: 'failed', error: conflict, message: conflict.message };
  const checked: CheckedObject = { desired, resource, ...(live ? { live } : {}), diff: diffWithBase(desired, live, context) };
  if (isWrite(checked.diff)) await sendDiff(client, checked, { dryRun: true });
  return checked;
}
