import type { ObjectRef } from '../objects.js';
import { refOf } from '../objects.js';
import { HistoryStore, type HistoryClient } from '../history/index.js';
import { parseInventoryEntry, readStatusInventory } from './inventory.js';

/**
 * Every object a GitSync's status says it manages: the list status holds, or — for a GitSync
 * whose status holds a summary — the objects of the history entry the summary points to (the
 * newest Succeeded entry of its revision, else the newest entry).
 */
export async function readInventory(client: HistoryClient, namespace: string, name: string, status: Record<string, unknown> | undefined): Promise<ObjectRef[]> {
  const inventory = readStatusInventory(status);
  if (!inventory) return [];
  if ('entries' in inventory) return inventory.entries.flatMap((entry) => parseInventoryEntry(entry) ?? []);
  const store = new HistoryStore(client, namespace, name);
  const summaries = await store.list();
  const { revision } = inventory.summary;
  const match = [...summaries].reverse().find((s) => s.result === 'Succeeded' && s.revision === revision) ?? summaries.at(-1);
  const entry = match ? await store.get(match.number) : undefined;
  return (entry?.objects ?? []).map(refOf);
}
