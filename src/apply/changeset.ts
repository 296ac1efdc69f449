import type { FerryError } from '../errors.js';
import type { ObjectRef } from '../objects.js';
import { formatRef } from '../objects.js';
import type { ObjectDiff } from '../diff/index.js';

/**
 * What happened to one object. Results are data: an apply that fails half-way still returns
 * every entry, so the caller can say exactly what was written and what was not.
 */
export type ChangeAction =
  | 'created'
  | 'configured'
  | 'unchanged'
  | 'recreated'
  | 'deleted'
  | 'skipped'
  | 'failed';

export interface ChangeEntry {
  ref: ObjectRef;
  action: ChangeAction;
  /** The apply layer the object belongs to (absent for pruned objects). */
  layer?: number;
  /** The diff that was (or, for a dry run, would be) applied. */
  diff?: ObjectDiff;
  /** Why an object was skipped or failed; for changes, the changed field paths. */
  message?: string;
  error?: FerryError;
  /** The resourceVersion the write left the object at (created, configured, recreated). */
  resourceVersion?: string;
  /** For a failed object, where Git defines it (`file:line`), when the caller said (ApplyRequest.sources). */
  source?: string;
}

/** Progress events, for CLI progress lines and agent logs. */
export type ApplyEvent =
  | { type: 'dry-run'; count: number }
  | { type: 'layer'; index: number; total: number; objects: ObjectRef[] }
  | { type: 'waiting'; layer: number; refs: ObjectRef[] }
  | { type: 'object'; entry: ChangeEntry }
  | { type: 'prune'; count: number };

export interface ChangeSetSummary {
  created: number;
  configured: number;
  unchanged: number;
  recreated: number;
  deleted: number;
  skipped: number;
  failed: number;
}

/** Counts entries by action. */
export function summarizeChanges(entries: ChangeEntry[]): ChangeSetSummary {
  const summary: ChangeSetSummary = { created: 0, configured: 0, unchanged: 0, recreated: 0, deleted: 0, skipped: 0, failed: 0 };
  for (const entry of entries) summary[entry.action] += 1;
  return summary;
}

/** True when any entry wrote to the cluster. */
export function hasWrites(entries: ChangeEntry[]): boolean {
  return entries.some((entry) => entry.action === 'created' || entry.action === 'configured' || entry.action === 'recreated' || entry.action === 'deleted');
}

/** One line per failed entry: `Kind/ns/name: message`. */
export function describeFailures(entries: ChangeEntry[]): string {
  return entries
    .filter((entry) => entry.action === 'failed')
    .map((entry) => entry.error?.message ?? `${formatRef(entry.ref)}: ${entry.message ?? 'failed'}`)
    .join('; ');
}
