import { formatRef } from '../objects.js';
import { hasWrites, type ChangeEntry } from '../apply/index.js';
import { counted } from '../text.js';
import { SyncReason, type DriftedObject } from './outcome.js';

/**
 * `3f2a9c1` for a commit SHA (`3f2a9c1+values.0123456789ab` with the digest of values from outside
 * the commit), the hash itself for a directory digest, `chart@version@sha256:…` as it is.
 */
export function shortRevision(revision: string): string {
  const commit = /^([0-9a-f]{40})(\+values\.[0-9a-f]+)?$/.exec(revision);
  return commit ? `${commit[1]?.slice(0, 7)}${commit[2] ?? ''}` : revision;
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
