import type { ObjectRef } from '../objects.js';
import { formatRef, objectKey, refOf } from '../objects.js';
import type { ApplyResult } from './apply-request.js';
import { hasWrites, type ChangeEntry } from './changeset.js';
import { ApplyError } from './errors.js';
import type { ApplyItem, CheckedObject } from './validate.js';

/** The entry of an object a dry run (or a diff) would write, in the layer the plan puts it. */
export function plannedEntry(item: ApplyItem, layer?: number): ChangeEntry {
  const ref = refOf(item.desired);
  const where = layer === undefined ? {} : { layer };
  if (item.state === 'awaits-crd') return { ref, action: 'created', ...where, message: 'custom resource of a CRD created by this sync' };
  const { diff } = item;
  if (item.recreate) return { ref, action: 'recreated', ...where, diff, message: `immutable field${item.recreate.fields.length === 1 ? '' : 's'} ${item.recreate.fields.join(', ')} changed: would be deleted and created again` };
  const action = diff.action === 'create' ? 'created' : diff.action === 'changed' ? 'configured' : 'unchanged';
  return { ref, action, ...where, diff, message: diff.paths.join(', ') };
}

/** The entry of an object that was not written, and why. */
export function skippedEntry(item: ApplyItem | CheckedObject, layer: number | undefined, message: string): ChangeEntry {
  return { ref: refOf(item.desired), ...(layer === undefined ? {} : { layer }), action: 'skipped', message, ...('diff' in item ? { diff: item.diff } : {}) };
}

/**
 * The result of an apply that validation stopped: the entries of what was `written` before
 * (the Namespaces and CRDs of the first stage, or nothing), the failed entries, every other object
 * skipped, and one error naming every failure.
 */
export function failedValidation(refs: ObjectRef[], problems: ChangeEntry[], options: { retryable?: boolean; written?: ChangeEntry[] } = {}): ApplyResult {
  const written = options.written ?? [];
  const done = new Set([...written, ...problems].map((entry) => objectKey(entry.ref)));
  const skipped = refs
    .filter((ref) => !done.has(objectKey(ref)))
    .map((ref): ChangeEntry => ({ ref, action: 'skipped', message: 'not applied: other objects failed validation' }));
  const wrote = hasWrites(written);
  const first = problems[0]?.error;
  const applied = wrote ? 'only the Namespaces and CustomResourceDefinitions were applied' : 'nothing was applied';
  const error =
    problems.length === 1 && first
      ? first
      : new ApplyError('APPLY_VALIDATION_FAILED', `${problems.length} objects failed validation, ${applied}:\n${problems.map((p) => `  ${p.error?.message ?? formatRef(p.ref)}`).join('\n')}`, {
          details: { refs: problems.map((p) => p.ref) },
        });
  return { entries: [...written, ...problems, ...skipped], error, wrote, ...(options.retryable ? { retryable: true } : {}) };
}
