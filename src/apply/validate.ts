import type { KubeObject } from '../objects.js';
import { objectKey, refOf } from '../objects.js';
import { AlreadyExistsError, ConflictError, isPatchTestFailure, isRetryable, type ApiResource } from '../kube/index.js';
import { diffObject, type DiffOptions, type ObjectDiff } from '../diff/index.js';
import type { ApplyClient } from './apply-request.js';
import { mapBounded } from './bounded.js';
import type { ChangeEntry } from './changeset.js';
import { asFerryError } from './errors.js';
import { immutableFieldsOf } from './immutable.js';
import { checkOwnership, type AdoptionBounds } from './ownership.js';
import type { LiveObjects } from './read-live.js';
import { refuseRecreate } from './recreate.js';
import type { ResolvedObject } from './resolve.js';
import { schemaKey, type KindSchemas } from './schemas.js';
import { givingWay } from '../give-way.js';
import { isWrite, sendDiff } from './send-diff.js';

/** How to compute three-way diffs: each object's base (by object key), each kind's schema, the diff options. */
export interface DiffContext {
  base: ReadonlyMap<string, KubeObject>;
  schemas: KindSchemas;
  options: Omit<DiffOptions, 'schema'>;
}

/** An object whose kind is served, with its live state and the change that makes it match Git. */
export interface CheckedObject {
  desired: KubeObject;
  resource: ApiResource;
  live?: KubeObject;
  diff: ObjectDiff;
  /** Immutable fields changed and the user allowed a recreate: delete it and create it again. */
  recreate?: { fields: string[] };
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
  /** Where adoption may reach (absent: wherever the manifests say). */
  adoption?: AdoptionBounds;
}

/** Everything validation needs besides the objects. */
export interface ValidateContext {
  diff: DiffContext;
  ownership: OwnershipPolicy;
  /** spec.force of the GitSync: recreate objects whose immutable fields changed. */
  force: boolean;
}

/** A refused object: its failed entry, and whether trying again later may succeed (a conflict, not a bad manifest). */
export interface Refusal {
  entry: ChangeEntry;
  retryable: boolean;
}

/** A concurrent writer gets this many fresh reads before validation gives up (and says to retry). */
const VALIDATION_RETRIES = 5;

/** The three-way diff of one object against its base and live state. */
export function diffWithBase(desired: KubeObject, live: KubeObject | undefined, context: DiffContext): ObjectDiff {
  const base = context.base.get(objectKey(refOf(desired)));
  const schema = context.schemas.get(schemaKey(desired));
  return diffObject({ desired, ...(base ? { base } : {}), ...(live ? { live } : {}) }, { ...context.options, ...(schema ? { schema } : {}) });
}

/** The object against a fresh read of its live state (absent: it was deleted meanwhile). */
export function rediffed(object: CheckedObject, live: KubeObject | undefined, context: DiffContext): CheckedObject {
  const { live: _stale, recreate: _planned, ...rest } = object;
  return { ...rest, ...(live ? { live } : {}), diff: diffWithBase(object.desired, live, context) };
}

/**
 * Checks ownership and computes the diff of every resolved object, collecting every problem
 * before anything is written.
 */
export async function checkObjects(objects: ResolvedObject[], live: LiveObjects, context: DiffContext, ownership: OwnershipPolicy): Promise<{ items: ApplyItem[]; problems: ChangeEntry[] }> {
  const problems: ChangeEntry[] = [];
  const checked: ApplyItem[] = [];
  // The diff of a large render is the longest stretch of work of a sync: it lets timers in.
  const giveWay = givingWay();
  for (const object of objects) {
    await giveWay();
    if (object.state === 'awaits-crd') {
      checked.push(object);
      continue;
    }
    const current = live.get(objectKey(refOf(object.desired)));
    const conflict = ownershipProblem(object.desired, current, ownership);
    if (conflict) {
      problems.push(conflict);
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

/**
 * Server dry-run of every write. Returns the objects as validated (a concurrent write may have
 * changed their live state and diff; an immutable change may have become a planned recreate),
 * and the refusals.
 */
export async function dryRunWrites<T extends CheckedObject>(client: ApplyClient, items: T[], context: ValidateContext, concurrency: number): Promise<{ validated: T[]; refused: Refusal[] }> {
  const results = await mapBounded(items, concurrency, (item) => validateWrite(client, item, context));
  const validated: T[] = [];
  const refused: Refusal[] = [];
  results.forEach((result, index) => {
    if ('entry' in result) refused.push(result);
    else validated.push({ ...(items[index] as T), ...result });
  });
  return { validated, refused };
}

/**
 * Asks the server whether one object's write would be accepted, without writing. The dry run
 * carries no resourceVersion test: it writes nothing that could overwrite anyone, and a status
 * update by a controller between ferry's read and its dry run must not fail validation. When the
 * patch no longer applies to the live object (someone else changed it) or a create finds the
 * object already there, ferry reads again and recomputes, as writes do. An immutable field that
 * changed becomes a planned recreate when force allows it, validated by a dry-run create.
 */
export async function validateWrite(client: ApplyClient, object: CheckedObject, context: ValidateContext): Promise<CheckedObject | Refusal> {
  const ref = refOf(object.desired);
  let current = object;
  for (let attempt = 1; ; attempt++) {
    if (!isWrite(current.diff)) return current;
    try {
      await sendDiff(client, withoutVersionTest(current), { dryRun: true });
      return current;
    } catch (error) {
      if (attempt < VALIDATION_RETRIES && (isPatchTestFailure(error) || error instanceof AlreadyExistsError || error instanceof ConflictError)) {
        const live = (await client.getOrNull(ref)) ?? undefined;
        const conflict = ownershipProblem(current.desired, live, context.ownership);
        if (conflict) return { entry: conflict, retryable: false };
        current = rediffed(current, live, context.diff);
        continue;
      }
      const fields = current.diff.action === 'changed' ? immutableFieldsOf(ref, error, context.diff.schemas.get(schemaKey(current.desired))) : undefined;
      if (fields) return planRecreate(client, current, fields, error, context);
      const ferryError = asFerryError(error, current.desired);
      return { entry: { ref, action: 'failed', error: ferryError, message: ferryError.message, diff: current.diff }, retryable: isTransient(error) };
    }
  }
}

/** A recreate the user allowed, validated as the create it will be (the server answers AlreadyExists only after validating it). */
async function planRecreate(client: ApplyClient, object: CheckedObject, fields: string[], cause: unknown, context: ValidateContext): Promise<CheckedObject | Refusal> {
  const ref = refOf(object.desired);
  const refusal = refuseRecreate(object.desired, fields, context.force, cause);
  if (refusal) return { entry: { ref, action: 'failed', error: refusal, message: refusal.message, diff: object.diff }, retryable: false };
  const created = diffObject({ desired: object.desired });
  try {
    await client.create(created.target ?? object.desired, { dryRun: true });
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) {
      const ferryError = asFerryError(error, object.desired);
      return { entry: { ref, action: 'failed', error: ferryError, message: ferryError.message, diff: object.diff }, retryable: isTransient(error) };
    }
  }
  return { ...object, recreate: { fields } };
}

function ownershipProblem(desired: KubeObject, live: KubeObject | undefined, ownership: OwnershipPolicy): ChangeEntry | undefined {
  const conflict = live && ownership.enforce ? checkOwnership(desired, live, ownership.sync, ownership.adoption) : undefined;
  return conflict ? { ref: refOf(desired), action: 'failed', error: conflict, message: conflict.message } : undefined;
}

/** The object with its patch stripped of the leading resourceVersion test, for a dry run. */
function withoutVersionTest(object: CheckedObject): CheckedObject {
  if (object.diff.action !== 'changed') return object;
  return { ...object, diff: { ...object.diff, patch: object.diff.patch.filter((op) => !(op.op === 'test' && op.path === '/metadata/resourceVersion')) } };
}

/** Errors that say the cluster was busy or changing, not that the revision is wrong. */
function isTransient(error: unknown): boolean {
  return isRetryable(error, true) || isPatchTestFailure(error) || error instanceof ConflictError || error instanceof AlreadyExistsError;
}
