import { createHash } from 'node:crypto';
import { describeError } from '../errors.js';
import type { Logger } from '../log/index.js';
import { ForbiddenError, reflect, type KubeClient, type WatchEvent } from '../kube/index.js';
import type { KubeObject, ObjectRef } from '../objects.js';
import { canonicalJson, refOf } from '../objects.js';
import { normalizeObject } from '../diff/index.js';
import { HISTORY_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, SYNC_LABEL } from '../well-known.js';

export interface KindRef {
  apiVersion: string;
  kind: string;
}

/** `apiVersion|Kind`: how kinds are told apart (and listed by `watchedKinds`). */
export const kindKey = (kind: KindRef): string => `${kind.apiVersion}|${kind.kind}`;

export interface ManagedObjectWatcherOptions {
  client: KubeClient;
  logger: Logger;
  /** Watch only this namespace (the agent's, in a namespaced install); cluster-scoped kinds are watched whole. */
  namespace?: string;
  /** How long one watch request lasts before it is renewed (default 60 s). */
  timeoutSeconds?: number;
  /** A managed object was changed or deleted: `sync` is its `ferry.dev/sync` label. */
  onChange(sync: string, change: ObjectChange): void;
  /**
   * A kind was listed afresh (its watch starts from there): changes made before `askedAt` and
   * after a GitSync's last look were not seen as events.
   */
  onListed?(kind: KindRef, askedAt: number): void;
}

/** One content change of a managed object, as the watch saw it. */
export interface ObjectChange {
  ref: ObjectRef;
  type: 'MODIFIED' | 'DELETED';
  /** The resourceVersion the change left it at: tells a writer's own write from someone else's. */
  resourceVersion?: string;
}

interface KindWatch {
  abort: AbortController;
  /** A fingerprint of each object's content (status and server-owned fields left out), by uid. */
  fingerprints: Map<string, string>;
  /** Each object as last seen (without managedFields), by `namespace/name`: the live-state cache. */
  objects: Map<string, KubeObject>;
  /** True from a complete list until the watch breaks: only then does the cache answer. */
  synced: boolean;
}

const cacheKey = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

/** The object without managedFields: the diff never reads them, and they are most of a small object's size. */
function cacheable(object: KubeObject): KubeObject {
  if (!object.metadata.managedFields) return object;
  const { managedFields: _dropped, ...metadata } = object.metadata;
  return { ...object, metadata };
}

/**
 * Watches the objects ferry manages, one watch per kind that some GitSync's inventory holds
 * (shared by every GitSync), selected by the managed-by label, so that a hand edit or a deletion
 * is seen within a second rather than at the next poll. What the watches hold is also the live
 * state a poll reads (`cached`, informer-style): an unchanged poll asks the server nothing. Only content changes count: a status update, a new
 * resourceVersion or managedFields entry is not a change. What to do about a change (whether it
 * was the GitSync's own write, when to reconcile) is the agent's decision.
 */
export class ManagedObjectWatcher {
  private readonly watches = new Map<string, KindWatch>();

  constructor(private readonly options: ManagedObjectWatcherOptions) {}

  /** Watches exactly these kinds from now on: starts the new ones, stops the ones no longer listed. */
  setKinds(kinds: Iterable<KindRef>): void {
    const wanted = new Map<string, KindRef>();
    for (const kind of kinds) wanted.set(kindKey(kind), kind);
    for (const [key, watch] of this.watches) {
      if (wanted.has(key)) continue;
      watch.abort.abort();
      this.watches.delete(key);
    }
    for (const [key, kind] of wanted) {
      if (this.watches.has(key)) continue;
      const watch: KindWatch = { abort: new AbortController(), fingerprints: new Map(), objects: new Map(), synced: false };
      this.watches.set(key, watch);
      void this.follow(kind, watch);
    }
  }

  /**
   * A managed object as its kind's watch last saw it; undefined when the kind is not watched, its
   * watch is between a break and its next complete list, or the object is not labelled managed.
   */
  cached(ref: ObjectRef): KubeObject | undefined {
    const watch = this.watches.get(kindKey(ref));
    return watch?.synced ? watch.objects.get(cacheKey(ref.namespace, ref.name)) : undefined;
  }

  /** The kinds being watched, as `apiVersion|Kind` (tests, metrics). */
  get watchedKinds(): string[] {
    return [...this.watches.keys()].sort();
  }

  stop(): void {
    for (const watch of this.watches.values()) watch.abort.abort();
    this.watches.clear();
  }

  /** List, then watch from the list, for as long as the kind is wanted; list again when needed. */
  private follow(kind: KindRef, watch: KindWatch): Promise<void> {
    const { client, logger } = this.options;
    return reflect(client, {
      ...kind,
      // History Secrets written before they had a label of their own also carry managed-by: leave them out.
      labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},!${HISTORY_LABEL}`,
      ...(this.options.namespace ? { namespace: this.options.namespace } : {}),
      ...(this.options.timeoutSeconds ? { timeoutSeconds: this.options.timeoutSeconds } : {}),
      signal: watch.abort.signal,
      onListed: (items, askedAt) => {
        watch.fingerprints = new Map(items.map((object) => [object.metadata.uid ?? '', fingerprintOf(object)]));
        watch.objects = new Map(items.map((object) => [cacheKey(object.metadata.namespace, object.metadata.name), cacheable(object)]));
        watch.synced = true;
        this.options.onListed?.(kind, askedAt);
      },
      onEvent: (event) => this.onEvent(watch, event),
      onBroken: (error, failures) => {
        // Events may be missed from here until the next complete list: the cache does not answer.
        watch.synced = false;
        // Without permission to list or watch a kind, the poll of each GitSync still finds its drift.
        const level = error instanceof ForbiddenError ? 'info' : 'warn';
        if (failures === 1) logger[level]({ kind: kind.kind, apiVersion: kind.apiVersion, err: describeError(error) }, 'cannot watch managed objects of this kind; their drift is found at each poll');
      },
    });
  }

  private onEvent(watch: KindWatch, event: WatchEvent): void {
    const uid = event.object.metadata.uid ?? '';
    const sync = event.object.metadata.labels?.[SYNC_LABEL];
    const version = event.object.metadata.resourceVersion;
    const change = (type: ObjectChange['type']): ObjectChange => ({ ref: refOf(event.object), type, ...(version ? { resourceVersion: version } : {}) });
    const key = cacheKey(event.object.metadata.namespace, event.object.metadata.name);
    if (event.type === 'DELETED') {
      watch.fingerprints.delete(uid);
      watch.objects.delete(key);
      if (sync) this.options.onChange(sync, change('DELETED'));
      return;
    }
    // The cache moves before anyone hears of the change: a recheck it prompts reads the new state.
    watch.objects.set(key, cacheable(event.object));
    const fingerprint = fingerprintOf(event.object);
    const before = watch.fingerprints.get(uid);
    watch.fingerprints.set(uid, fingerprint);
    if (event.type === 'MODIFIED' && before !== undefined && before !== fingerprint && sync) this.options.onChange(sync, change('MODIFIED'));
  }
}

/** What an object holds, without status and server-owned metadata: equal when nobody edited it. */
function fingerprintOf(object: KubeObject): string {
  // Canonical: list items and watch events carry the same fields in different orders.
  return createHash('sha1').update(canonicalJson(normalizeObject(object))).digest('base64');
}
