import { formatRef } from '../objects.js';
import { hasWrites, type ChangeEntry } from '../apply/index.js';
import { counted } from '../text.js';
import { MAX_PAYLOAD_BYTES, type HistorySummary } from '../history/index.js';
import { SyncReason, type DriftedObject } from './outcome.js';

/**
 * `3f2a9c1` for a commit SHA (`3f2a9c1+values.0123456789ab` with the digest of values from outside
 * the commit), the hash itself for a directory digest, `chart@version@sha256:…` as it is.
 */
export function shortRevision(revision: string): string {
  const commit = /^([0-9a-f]{40})(\+values\.[0-9a-f]+)?$/.exec(revision);
  return commit ? `${commit[1]?.slice(0, 7)}${commit[2] ?? ''}` : revision;
}

/** What the GitSync says while its newest history entry keeps no objects (they did not fit), or undefined. */
export function incompleteHistoryMessage(history: HistorySummary[]): string | undefined {
  const newest = history.at(-1);
  if (newest?.objectsOmittedKiB === undefined) return undefined;
  return `history entry ${newest.number} keeps revision ${shortRevision(newest.revision)} without its objects: they are ${newest.objectsOmittedKiB} KiB compressed, more than the ${MAX_PAYLOAD_BYTES / 1024} KiB a history Secret holds; a rollback to it cannot run`;
}

/** Why an entry kept without its objects cannot be applied again: `history entry N …` (or `the entry …`). */
export function omittedObjectsMessage(entry: Pick<HistorySummary, 'revision' | 'number'>, subject = `history entry ${entry.number}`): string {
  return `${subject} keeps revision ${shortRevision(entry.revision)} without its objects (they were more than a history Secret holds); roll back with a Git revert instead`;
}

export function countWrites(entries: ChangeEntry[]): number {
  return entries.filter((entry) => hasWrites([entry])).length;
}

export function describeCounts(entries: ChangeEntry[]): string {
  const count = (action: string) => entries.filter((entry) => entry.action === action).length;
  return `${count('created')} created, ${count('configured')} configured, ${count('recreated')} recreated, ${count('deleted')} pruned, ${count('unchanged')} unchanged`;
}

export function driftMessage(drift: DriftedObject[]): string {
  const shown = drift.slice(0, 3).map((d) => `${formatRef(d.ref)} ${d.change === 'deleted' ? 'deleted' : `(${d.paths.slice(0, 3).join(', ')})`}`);
  return `${counted(drift.length, 'object')} drifted from Git: ${shown.join('; ')}${drift.length > 3 ? ` and ${drift.length - 3} more` : ''}`;
}

export function unchangedMessage(applied: string, heldBack: SyncReason | undefined, revision: string): string {
  if (heldBack === SyncReason.KnownFailedRevision) return `revision ${shortRevision(revision)} failed before; holding ${shortRevision(applied)} until Git moves on`;
  if (heldBack === SyncReason.Pinned) return `pinned to ${shortRevision(applied)}; run ferry resume to follow Git again`;
  return `in sync with ${shortRevision(applied)}`;
}
