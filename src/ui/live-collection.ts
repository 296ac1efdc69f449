/**
 * One kind in one scope, kept current by a list and then a watch (as an informer does): the
 * browser never polls, the server holds one watch per kind and namespace however many pages show
 * it. A Secret is kept as its metadata alone: its values never enter the UI's memory.
 */
import type { KubeObject } from '../objects.js';
import { ExpiredError, type KubeClient } from '../kube/index.js';
import { describeError } from '../errors.js';
import { sleep } from '../sleep.js';

/** After a failed list or watch (a 403, the server gone), the next try waits this long. */
const RETRY_MS = 2_000;

export interface CollectionKey {
  apiVersion: string;
  kind: string;
  /** Unset: all namespaces (or a cluster-scoped kind). */
  namespace?: string;
}

export type CollectionClient = Pick<KubeClient, 'listPage' | 'watch'>;

export class LiveCollection {
  readonly items = new Map<string, KubeObject>();
  /** Why the kind cannot be read now (a 403 names the verb and resource), else undefined. */
  error: string | undefined;
  /** Resolves once the first list is in (or has failed), so a page's first frame is complete. */
  readonly ready: Promise<void>;
  private readonly listeners = new Set<() => void>();
  private readonly abort = new AbortController();
  private markReady!: () => void;

  constructor(private readonly client: CollectionClient, readonly key: CollectionKey) {
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    void this.run();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.abort.abort();
    this.listeners.clear();
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    const scope = this.key.namespace ? { namespace: this.key.namespace } : {};
    while (!signal.aborted) {
      try {
        const page = await this.client.listPage(this.key.apiVersion, this.key.kind, scope);
        this.items.clear();
        for (const object of page.items) this.items.set(keyOf(object), intake(object));
        this.error = undefined;
        this.changed();
        this.markReady();
        let resourceVersion = page.resourceVersion;
        while (!signal.aborted) {
          resourceVersion = await this.client.watch(this.key.apiVersion, this.key.kind, { ...scope, resourceVersion, signal }, (event) => {
            if (event.type === 'DELETED') this.items.delete(keyOf(event.object));
            else this.items.set(keyOf(event.object), intake(event.object));
            this.changed();
          });
        }
      } catch (error) {
        if (signal.aborted) return;
        // 410 Expired: the version is gone; list again at once.
        if (error instanceof ExpiredError) continue;
        this.error = describeError(error);
        this.changed();
        this.markReady();
        await sleep(RETRY_MS, signal);
      }
    }
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

/** What the UI keeps of an object: everything but a Secret's values. */
function intake(object: KubeObject): KubeObject {
  if (object.kind !== 'Secret') return object;
  const { data: _data, stringData: _stringData, ...rest } = object as KubeObject & { data?: unknown; stringData?: unknown };
  const annotations = { ...(object.metadata.annotations ?? {}) };
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  return { ...rest, metadata: { ...object.metadata, annotations, managedFields: undefined } } as KubeObject;
}

/**
 * The collections in use, shared and counted: the first page to need a kind and namespace starts
 * its watch, the last one to leave stops it.
 */
export class CollectionPool {
  private readonly open = new Map<string, { collection: LiveCollection; users: number }>();

  constructor(private readonly client: CollectionClient) {}

  acquire(key: CollectionKey): { collection: LiveCollection; release: () => void } {
    const id = `${key.apiVersion}|${key.kind}|${key.namespace ?? ''}`;
    let entry = this.open.get(id);
    if (!entry) {
      entry = { collection: new LiveCollection(this.client, key), users: 0 };
      this.open.set(id, entry);
    }
    entry.users += 1;
    const held = entry;
    let released = false;
    return {
      collection: held.collection,
      release: () => {
        if (released) return;
        released = true;
        held.users -= 1;
        if (held.users === 0) {
          held.collection.stop();
          this.open.delete(id);
        }
      },
    };
  }

  /** How many watches are open (for specs and the bench). */
  get size(): number {
    return this.open.size;
  }

  close(): void {
    for (const { collection } of this.open.values()) collection.stop();
    this.open.clear();
  }
}
