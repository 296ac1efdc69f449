/**
 * A GitSync page's live feed. It watches the GitSync, the kinds of its managed objects in their
 * namespaces, the kinds of their children (ReplicaSets, Pods, Jobs) and Events there; it re-reads
 * the history list when the GitSync changes, and the diffs when its drift changes. Each burst of
 * changes becomes one `page` frame with the whole page model, sent only when it differs.
 */
import type { KubeObject, ObjectRef } from '../objects.js';
import { isJsonObject } from '../objects.js';
import type { HistorySummary } from '../history/index.js';
import { describeError } from '../errors.js';
import { GITSYNC_API_VERSION, GITSYNC_KIND } from '../well-known.js';
import type { CollectionKey, CollectionPool, LiveCollection } from './live-collection.js';
import { CHILD_KINDS, buildGitSyncPage, type GitSyncPage } from './page-model.js';
import { coalesce } from './coalesce.js';
import type { EventStream } from './sse.js';

/** What the page reads besides watches: the history list, the inventory, and the masked diffs by `Kind/ns/name`. */
export interface PageSources {
  history(namespace: string, name: string): Promise<HistorySummary[]>;
  /** The managed objects (src/sync readInventory): for a summarized inventory, its history entry's. */
  inventory(namespace: string, name: string, status: Record<string, unknown>): Promise<ObjectRef[]>;
  diffs(gitsync: KubeObject): Promise<Map<string, string>>;
}

export interface PageFrame {
  /** Absent while the GitSync does not exist (deleted, or not yet created). */
  page?: GitSyncPage;
  missing?: string;
  /** Kinds that could not be read (a 403 names what RBAC refused), shown above the page. */
  warnings: string[];
}

export async function streamGitSyncPage(pool: CollectionPool, sources: PageSources, namespace: string, name: string, stream: EventStream): Promise<void> {
  const own = pool.acquire({ apiVersion: GITSYNC_API_VERSION, kind: GITSYNC_KIND, namespace });
  const held = new Map<string, { collection: LiveCollection; release: () => void; unsubscribe: () => void }>();
  let history: HistorySummary[] = [];
  let historyKey = '';
  let inventory: ObjectRef[] = [];
  let inventoryKey = '';
  let inventoryError: string | undefined;
  let diffs = new Map<string, string>();
  let diffKey = '';
  let diffError: string | undefined;
  let historyError: string | undefined;
  let lastSent = '';
  let closed = false;

  const gitsync = () => own.collection.items.get(`${namespace}/${name}`);

  /** Holds exactly the watches the GitSync's current inventory needs. */
  const follow = (object: KubeObject | undefined) => {
    const wanted = new Map<string, CollectionKey>();
    const add = (key: CollectionKey) => wanted.set(`${key.apiVersion}|${key.kind}|${key.namespace ?? ''}`, key);
    const namespaces = new Set<string>([namespace]);
    for (const ref of object ? inventory : []) {
      add({ apiVersion: ref.apiVersion, kind: ref.kind, ...(ref.namespace ? { namespace: ref.namespace } : {}) });
      if (ref.namespace) namespaces.add(ref.namespace);
    }
    if (object) {
      for (const ns of namespaces) {
        for (const child of CHILD_KINDS) add({ ...child, namespace: ns });
        add({ apiVersion: 'v1', kind: 'Event', namespace: ns });
      }
    }
    for (const [id, entry] of held) {
      if (wanted.has(id)) continue;
      entry.unsubscribe();
      entry.release();
      held.delete(id);
    }
    for (const [id, key] of wanted) {
      if (held.has(id)) continue;
      const lease = pool.acquire(key);
      held.set(id, { ...lease, unsubscribe: lease.collection.onChange(update.schedule) });
    }
  };

  const refreshHistory = async (object: KubeObject) => {
    // status.history moves with every recorded entry: re-list only then.
    const status = isJsonObject(object.status) ? object.status : {};
    const key = JSON.stringify(status.history ?? null);
    if (key === historyKey) return;
    try {
      history = await sources.history(namespace, name);
      historyError = undefined;
      historyKey = key;
    } catch (error) {
      historyError = `history: ${describeError(error)}`;
    }
  };

  const refreshInventory = async (object: KubeObject) => {
    // Read again only when what status says about it changes (a list, or a summary's revision).
    const status = isJsonObject(object.status) ? object.status : {};
    const key = JSON.stringify([status.inventory ?? null, status.inventorySummary ?? null]);
    if (key === inventoryKey) return;
    try {
      inventory = await sources.inventory(namespace, name, status);
      inventoryError = undefined;
      inventoryKey = key;
    } catch (error) {
      inventoryError = `objects: ${describeError(error)}`;
    }
  };

  const refreshDiffs = async (object: KubeObject) => {
    const status = isJsonObject(object.status) ? object.status : {};
    const drift = isJsonObject(status.drift) && Array.isArray(status.drift.objects) ? status.drift.objects : [];
    const key = drift.length === 0 ? '' : JSON.stringify([status.drift, status.lastAppliedRevision]);
    if (key === diffKey) return;
    diffKey = key;
    if (!key) {
      diffs = new Map();
      diffError = undefined;
      return;
    }
    try {
      diffs = await sources.diffs(object);
      diffError = undefined;
    } catch (error) {
      diffError = `the diff could not be computed: ${describeError(error)}`;
    }
  };

  const render = async () => {
    const object = gitsync();
    if (object) await refreshInventory(object);
    follow(object);
    if (object) {
      await refreshHistory(object);
      await refreshDiffs(object);
    }
    if (closed) return;
    await Promise.all([...held.values()].map((entry) => entry.collection.ready));
    const warnings = [...held.values(), own].map((entry) => entry.collection.error).filter((e): e is string => e !== undefined);
    if (historyError) warnings.push(historyError);
    if (inventoryError) warnings.push(inventoryError);
    const frame: PageFrame = object
      ? {
          page: buildGitSyncPage({
            gitsync: object,
            inventory,
            live: [...held.values()].filter((entry) => entry.collection.key.kind !== 'Event').flatMap((entry) => [...entry.collection.items.values()]),
            events: [...held.values()].filter((entry) => entry.collection.key.kind === 'Event').flatMap((entry) => [...entry.collection.items.values()]),
            history,
            diffs,
            ...(diffError ? { diffError } : {}),
          }),
          warnings,
        }
      : { missing: `GitSync/${namespace}/${name} not found`, warnings };
    const json = JSON.stringify(frame);
    if (json === lastSent || closed) return;
    lastSent = json;
    stream.send('page', frame);
  };

  const update = coalesce(render, 150);
  const unsubscribe = own.collection.onChange(update.schedule);
  stream.onClose(() => {
    closed = true;
    update.cancel();
    unsubscribe();
    own.release();
    for (const entry of held.values()) {
      entry.unsubscribe();
      entry.release();
    }
    held.clear();
  });
  await own.collection.ready;
  update.schedule();
}
