import type { ObjectRef } from '../objects.js';
import { formatRef } from '../objects.js';

/**
 * Inventory entries as GitSync status stores them: `Kind/namespace/name@apiVersion` (or
 * `Kind/name@apiVersion` when cluster-scoped) — readable in `kubectl get -o yaml`, compact, and
 * enough to find the object again.
 */
export function formatInventoryEntry(ref: ObjectRef): string {
  return `${formatRef(ref)}@${ref.apiVersion}`;
}

/** Parses an inventory entry; undefined when it is not one. */
export function parseInventoryEntry(entry: string): ObjectRef | undefined {
  const at = entry.lastIndexOf('@');
  if (at <= 0) return undefined;
  const apiVersion = entry.slice(at + 1);
  const parts = entry.slice(0, at).split('/');
  if (!apiVersion || parts.some((part) => part === '')) return undefined;
  if (parts.length === 2) return { apiVersion, kind: parts[0] as string, name: parts[1] as string };
  if (parts.length === 3) return { apiVersion, kind: parts[0] as string, namespace: parts[1] as string, name: parts[2] as string };
  return undefined;
}

/**
 * Status lists the inventory in full up to this many objects. Beyond, it holds an
 * `inventorySummary` instead (counts per kind and the revision whose history entry holds the list):
 * 5,000 objects with long names would come near the 1.5 MiB an object may weigh in etcd.
 */
export const STATUS_INVENTORY_LIMIT = 500;

/** `status.inventorySummary`: how many objects of which kinds, and where the list is. */
export interface InventorySummary {
  count: number;
  kinds: Array<{ apiVersion: string; kind: string; count: number }>;
  /** The revision applied: its newest Succeeded history entry holds the full inventory. */
  revision?: string;
}

/** What status says about the inventory: the list, or a summary that points into the history store. */
export type StatusInventory = { entries: string[] } | { summary: InventorySummary };

/** The inventory of one outcome as status holds it: in full, or counted when it is long. */
export function statusInventory(refs: ObjectRef[], revision: string | undefined, limit = STATUS_INVENTORY_LIMIT): StatusInventory {
  if (refs.length <= limit) return { entries: refs.map(formatInventoryEntry) };
  const kinds = new Map<string, { apiVersion: string; kind: string; count: number }>();
  for (const ref of refs) {
    const key = `${ref.apiVersion}|${ref.kind}`;
    const counted = kinds.get(key) ?? { apiVersion: ref.apiVersion, kind: ref.kind, count: 0 };
    counted.count++;
    kinds.set(key, counted);
  }
  return { summary: { count: refs.length, kinds: [...kinds.values()], ...(revision ? { revision } : {}) } };
}

/** Reads `status.inventory` or `status.inventorySummary` of a GitSync's status (undefined: neither). */
export function readStatusInventory(status: Record<string, unknown> | undefined): StatusInventory | undefined {
  if (Array.isArray(status?.inventory)) return { entries: status.inventory.map(String) };
  const summary = status?.inventorySummary;
  if (typeof summary !== 'object' || summary === null || Array.isArray(summary)) return undefined;
  const { count, kinds, revision } = summary as Record<string, unknown>;
  return {
    summary: {
      count: typeof count === 'number' ? count : 0,
      kinds: (Array.isArray(kinds) ? kinds : []).flatMap((k) =>
        typeof k === 'object' && k !== null && typeof (k as Record<string, unknown>).kind === 'string' && typeof (k as Record<string, unknown>).apiVersion === 'string'
          ? [{ apiVersion: String((k as Record<string, unknown>).apiVersion), kind: String((k as Record<string, unknown>).kind), count: Number((k as Record<string, unknown>).count ?? 0) }]
          : [],
      ),
      ...(typeof revision === 'string' && revision ? { revision } : {}),
    },
  };
}

/** The entries status lists; none for a summary (read them from the history store). */
export function listedInventory(status: Record<string, unknown> | undefined): ObjectRef[] {
  const inventory = readStatusInventory(status);
  return inventory && 'entries' in inventory ? inventory.entries.flatMap((entry) => parseInventoryEntry(entry) ?? []) : [];
}
