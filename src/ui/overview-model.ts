/**
 * The overview's rows: one per GitSync, built from the object as the API serves it. Pure; the
 * live model calls it on every change and the browser renders what it returns.
 */
import type { KubeObject } from '../objects.js';
import { isJsonObject } from '../objects.js';
import { viewGitSync } from '../gitsync/index.js';
import { readStatusInventory, shortRevision } from '../sync/index.js';
import { commitUrl } from './commit-link.js';

/**
 * The one word a row leads with, worst first: a person scanning twenty rows sees what needs them.
 * Each has its own icon and text in the page, so colour is never the only signal.
 */
export const RowState = {
  Failed: 'Failed',
  Degraded: 'Degraded',
  Drifted: 'Drifted',
  Progressing: 'Progressing',
  Suspended: 'Suspended',
  Pinned: 'Pinned',
  Ready: 'Ready',
  Unknown: 'Unknown',
} as const;
export type RowState = (typeof RowState)[keyof typeof RowState];

export interface OverviewRow {
  /** `namespace/name`: the row's key and the GitSync page's path. */
  id: string;
  namespace: string;
  name: string;
  state: RowState;
  /** Every flag that holds, for the badges and the status filter. */
  ready: 'True' | 'False' | 'Unknown';
  health: string;
  drifted: boolean;
  suspended: boolean;
  pinned?: string;
  url: string;
  ref: string;
  /** The applied revision, short (`main@1a2b3c4`), and its full commit SHA. */
  revision: string;
  commit?: string;
  commitUrl?: string;
  lastSyncTime?: string;
  lastSyncResult?: string;
  /** How long the newest history entry took. */
  durationMs?: number;
  objects: number;
  message: string;
}

export function overviewRow(gitsync: KubeObject): OverviewRow {
  const view = viewGitSync(gitsync);
  const status = view.status;
  const applied = typeof status.lastAppliedRevision === 'string' ? status.lastAppliedRevision : '';
  const history = Array.isArray(status.history) ? status.history.filter(isJsonObject) : [];
  const newest = history[0];
  const ready = view.ready === 'True' || view.ready === 'False' ? view.ready : 'Unknown';
  const link = applied ? commitUrl(view.url, applied) : undefined;
  const row: OverviewRow = {
    id: `${view.namespace}/${view.name}`,
    namespace: view.namespace,
    name: view.name,
    state: RowState.Unknown,
    ready,
    health: view.health,
    drifted: view.drift > 0,
    suspended: view.suspended,
    ...(view.pinned ? { pinned: view.pinned } : {}),
    url: view.url,
    ref: view.ref,
    revision: view.revision,
    ...(applied ? { commit: shortRevision(applied) } : {}),
    ...(link ? { commitUrl: link } : {}),
    ...(view.lastSyncTime ? { lastSyncTime: view.lastSyncTime } : {}),
    ...(typeof status.lastSyncResult === 'string' ? { lastSyncResult: status.lastSyncResult } : {}),
    ...(newest && typeof newest.durationMs === 'number' ? { durationMs: newest.durationMs } : {}),
    objects: objectCount(status),
    message: view.message,
  };
  row.state = rowState(row);
  return row;
}

/** How many objects the GitSync manages: its listed inventory, or the count of its summary (over 500). */
function objectCount(status: Record<string, unknown>): number {
  const inventory = readStatusInventory(status);
  if (!inventory) return 0;
  return 'entries' in inventory ? inventory.entries.length : inventory.summary.count;
}

function rowState(row: OverviewRow): RowState {
  if (row.ready === 'False') return RowState.Failed;
  if (row.health === 'Degraded' || row.health === 'Missing') return RowState.Degraded;
  if (row.drifted) return RowState.Drifted;
  if (row.suspended) return RowState.Suspended;
  if (row.pinned) return RowState.Pinned;
  if (row.health === 'Progressing') return RowState.Progressing;
  if (row.ready === 'True') return RowState.Ready;
  return RowState.Unknown;
}

/** Rows in the order the overview lists them: by namespace, then name. */
export function sortRows(rows: Iterable<OverviewRow>): OverviewRow[] {
  return [...rows].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
}
