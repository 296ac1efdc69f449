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
