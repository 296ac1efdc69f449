/**
 * The overview's live feed: a snapshot of every row, then only the rows that changed. With 500
 * GitSyncs a status write sends one row, not five hundred.
 */
import { GITSYNC_API_VERSION, GITSYNC_KIND } from '../well-known.js';
import type { CollectionPool } from './live-collection.js';
import { overviewRow, sortRows, type OverviewRow } from './overview-model.js';
import { coalesce } from './coalesce.js';
import type { EventStream } from './sse.js';

export interface OverviewSnapshot {
  rows: OverviewRow[];
  /** The namespace listed, or undefined for all namespaces (`-A`). */
  namespace?: string;
  error?: string;
}

export interface OverviewChanges {
  upsert: OverviewRow[];
  remove: string[];
  error?: string;
}

/** Feeds one browser's overview until it goes away. */
export async function streamOverview(pool: CollectionPool, namespace: string | undefined, stream: EventStream): Promise<void> {
  const { collection, release } = pool.acquire({ apiVersion: GITSYNC_API_VERSION, kind: GITSYNC_KIND, ...(namespace ? { namespace } : {}) });
  let sent = new Map<string, string>();
  const current = () => new Map(sortRows([...collection.items.values()].map(overviewRow)).map((row) => [row.id, row]));
  const update = coalesce(() => {
    const rows = current();
    const changes: OverviewChanges = { upsert: [], remove: [...sent.keys()].filter((id) => !rows.has(id)), ...(collection.error ? { error: collection.error } : {}) };
    const next = new Map<string, string>();
    for (const [id, row] of rows) {
      const json = JSON.stringify(row);
      next.set(id, json);
      if (sent.get(id) !== json) changes.upsert.push(row);
    }
    sent = next;
    if (changes.upsert.length > 0 || changes.remove.length > 0 || collection.error) stream.send('rows', changes);
  }, 100);
  const unsubscribe = collection.onChange(update.schedule);
  let closed = false;
  stream.onClose(() => {
    closed = true;
    update.cancel();
    unsubscribe();
    release();
  });
  await collection.ready;
  if (closed) return;
  const rows = current();
  sent = new Map([...rows].map(([id, row]) => [id, JSON.stringify(row)]));
  const snapshot: OverviewSnapshot = { rows: [...rows.values()], ...(namespace ? { namespace } : {}), ...(collection.error ? { error: collection.error } : {}) };
  stream.send('snapshot', snapshot);
}
