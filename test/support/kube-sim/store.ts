/**
 * The simulator's storage: objects by resource and name, the global resourceVersion, and the
 * change log that watches are served from (bounded, like etcd's compacted history).
 */
import type { SimKind } from './kinds.js';

type Obj = Record<string, any>;
type Resource = Pick<SimKind, 'group' | 'plural'>;

export interface StoreEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: Resource;
  /** A snapshot, taken once the write's request handler has finished with the object. */
  object: Obj;
  resourceVersion: number;
}

/** How many changes a watch can resume across; older resourceVersions get 410 Expired. */
const HISTORY_LIMIT = 2000;

export class Store {
  private readonly objects = new Map<string, Obj>();
  private revision = 100;
  private readonly history: StoreEvent[] = [];
  private compactedRevision = 100;
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private pending: Array<Omit<StoreEvent, 'object' | 'resourceVersion'> & { live: Obj; deletedAt?: number }> = [];

  nextResourceVersion(): string {
    this.revision += 1;
    return String(this.revision);
  }

  get currentResourceVersion(): string {
    return String(this.revision);
  }

  key(kind: Resource, namespace: string | undefined, name: string): string {
    return `${kind.group}/${kind.plural}/${namespace ?? ''}/${name}`;
  }

  get(kind: Resource, namespace: string | undefined, name: string): Obj | undefined {
    return this.objects.get(this.key(kind, namespace, name));
  }

  put(kind: Resource, object: Obj): void {
    const key = this.key(kind, object.metadata.namespace, object.metadata.name);
    const existed = this.objects.has(key);
    this.objects.set(key, object);
    this.record(existed ? 'MODIFIED' : 'ADDED', kind, object);
  }

  remove(kind: Resource, namespace: string | undefined, name: string): boolean {
    const key = this.key(kind, namespace, name);
    const object = this.objects.get(key);
    if (!object) return false;
    this.objects.delete(key);
    this.record('DELETED', kind, object);
    return true;
  }

  /** Objects of one resource, optionally in one namespace, sorted by namespace then name. */
  list(kind: Resource, namespace?: string): Obj[] {
    const prefix = `${kind.group}/${kind.plural}/${namespace === undefined ? '' : `${namespace}/`}`;
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, object]) => object);
  }

  /** Removes every namespaced object in `namespace`. */
  removeNamespace(namespace: string): void {
    for (const [key, object] of [...this.objects]) {
      if (object.metadata.namespace !== namespace) continue;
      this.objects.delete(key);
      const [group, plural] = key.split('/') as [string, string];
      this.record('DELETED', { group, plural }, object);
    }
  }

  /** Removes every object of a resource (a deleted CRD's custom resources). */
  removeResource(kind: Resource): void {
    for (const object of this.list(kind)) this.remove(kind, object.metadata.namespace, object.metadata.name);
  }

  // ---- watch support ------------------------------------------------------------------------

  /** Calls `listener` with every change from now on; returns the unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The changes after `resourceVersion`, oldest first; undefined when history no longer reaches
   * back that far (the caller answers 410 Expired, and the client must list again).
   */
  changesSince(resourceVersion: number): StoreEvent[] | undefined {
    if (resourceVersion < this.compactedRevision) return undefined;
    return this.history.filter((event) => event.resourceVersion > resourceVersion);
  }

  /** The oldest resourceVersion a watch can still start from. */
  get oldestWatchableRevision(): number {
    return this.compactedRevision;
  }

  private record(type: StoreEvent['type'], resource: Resource, live: Obj): void {
    // A deletion is a change of its own, as in etcd; the object carries that resourceVersion.
    const deletedAt = type === 'DELETED' ? Number(this.nextResourceVersion()) : undefined;
    if (this.pending.length === 0) queueMicrotask(() => this.flush());
    this.pending.push({ type, resource, live, ...(deletedAt !== undefined ? { deletedAt } : {}) });
  }

  /**
   * Snapshots and publishes the changes of the request just handled. Deferred to a microtask
   * because a handler may still fill in an object it has stored (a pending status).
   */
  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    for (const change of batch) {
      const object = structuredClone(change.live);
      if (change.deletedAt !== undefined) object.metadata.resourceVersion = String(change.deletedAt);
      const event: StoreEvent = { type: change.type, resource: change.resource, object, resourceVersion: Number(object.metadata.resourceVersion) };
      this.history.push(event);
      for (const listener of this.listeners) listener(event);
    }
    while (this.history.length > HISTORY_LIMIT) {
      this.compactedRevision = (this.history.shift() as StoreEvent).resourceVersion;
    }
  }
}
