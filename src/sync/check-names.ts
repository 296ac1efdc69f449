import { HISTORY_LABEL, SYNC_LABEL } from '../well-known.js';
import { syncId } from '../apply/index.js';
import { SyncReason, type SyncOutcome } from './outcome.js';
import { finish, type ReconcileRun } from './run.js';

/** Kubernetes refuses label values longer than this. */
const MAX_LABEL_VALUE = 63;

/**
 * The names step: a GitSync's name ends up in label values — `ferry.dev/sync=<namespace>.<name>`
 * on every object it applies, `ferry.dev/history=<name>` on its history Secrets — and a label
 * value holds at most 63 characters. A longer one would fail every write, so it is refused
 * before anything is read or written, with the longest name that fits.
 */
export function refuseLongNames(run: ReconcileRun): SyncOutcome | undefined {
  const { namespace, name } = run.settings;
  const labels = [
    { label: SYNC_LABEL, value: syncId(namespace, name), where: 'on every object it applies', room: MAX_LABEL_VALUE - namespace.length - 1 },
    { label: HISTORY_LABEL, value: name, where: 'on its history Secrets', room: MAX_LABEL_VALUE },
  ];
  const tooLong = labels.find((l) => l.value.length > MAX_LABEL_VALUE);
  if (!tooLong) return undefined;
  return finish(run, {
    result: 'Failed',
    reason: SyncReason.NameTooLong,
    message: `GitSync/${namespace}/${name}: name too long: the label ${tooLong.label}=${tooLong.value} ${tooLong.where} would be ${tooLong.value.length} characters, and label values hold at most ${MAX_LABEL_VALUE}; choose a name of at most ${tooLong.room} characters`,
  });
}
