import type { ObjectRef } from '../objects.js';
import { formatRef, objectKey, refOf } from '../objects.js';
import type { ApplyResult } from './apply-request.js';
import type { ChangeEntry } from './changeset.js';
import { ApplyError } from './errors.js';
import type { ApplyItem } from './validate.js';

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
export function skippedEntry(item: ApplyItem, layer: number, message: string): ChangeEntry {
  return { ref: refOf(item.desired), layer, action: 'skipped', message, ...(item.state === 'checked' ? { diff: item.diff } : {}) };
}

/**
 * The result of an apply that stopped before its first write: the failed entries, every other
 * object skipped, and one error naming them all.
 */
export function failedBeforeWriting(refs: ObjectRef[], problems: ChangeEntry[], retryable = false): ApplyResult {
  const failed = new Set(problems.map((entry) => objectKey(entry.ref)));
  const skipped = refs
    .filter((ref) => !failed.has(objectKey(ref)))
    .map((ref): ChangeEntry => ({ ref, action: 'skipped', message: 'not applied: other objects failed validation' }));
  const first = problems[0]?.error;
  const error =
    problems.length === 1 && first
      ? first
      : new ApplyError('APPLY_VALIDATION_FAILED', `${problems.length} objects failed validation, nothing was applied:\n${problems.map((p) => `  ${p.error?.message ?? formatRef(p.ref)}`).join('\n')}`, {
          details: { refs: problems.map((p) => p.ref) },
        });
  return { entries: [...problems, ...skipped], error, wrote: false, ...(retryable ? { retryable } : {}) };
}
