import type { KubeObject } from '../objects.js';
import { isJsonObject } from '../objects.js';
import { parseInventoryEntry, readStatusInventory } from '../sync/index.js';
import { kindKey, type KindRef } from './live-watch.js';

const kindsByGitSync = new WeakMap<KubeObject, Map<string, KindRef>>();

/**
 * The kinds a GitSync's status inventory holds, by `apiVersion|Kind`. Parsed once per GitSync
 * object seen (a watch event brings a new one), not on every event for every GitSync.
 */
export function managedKindsOf(gitsync: KubeObject): Map<string, KindRef> {
  let kinds = kindsByGitSync.get(gitsync);
  if (kinds) return kinds;
  kinds = new Map();
  const inventory = readStatusInventory(isJsonObject(gitsync.status) ? gitsync.status : undefined);
  const refs = !inventory ? [] : 'entries' in inventory ? inventory.entries.flatMap((entry) => parseInventoryEntry(entry) ?? []) : inventory.summary.kinds;
  for (const ref of refs) kinds.set(kindKey(ref), { apiVersion: ref.apiVersion, kind: ref.kind });
  kindsByGitSync.set(gitsync, kinds);
  return kinds;
}

/** Every kind some of these GitSyncs manage. */
export function managedKindsOfAll(gitsyncs: Iterable<KubeObject>): Map<string, KindRef> {
  const kinds = new Map<string, KindRef>();
  for (const gitsync of gitsyncs) for (const [key, kind] of managedKindsOf(gitsync)) kinds.set(key, kind);
  return kinds;
}
