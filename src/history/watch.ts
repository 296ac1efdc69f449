import { describeError } from '../errors.js';
import type { Logger } from '../log/index.js';
import { ForbiddenError, reflect, type ReflectClient, type WatchEvent } from '../kube/index.js';
import type { ObjectMeta } from '../objects.js';
import { HISTORY_LABEL } from '../well-known.js';
import type { HistoryEntry } from './entry.js';

/**
 * What a history store may read from memory instead of asking the API server: the agent's
 * history watch (HistoryWatch). A store without one lists and reads its Secrets every time.
 */
export interface HistoryCache {
  /** The metadata of one GitSync's history Secrets, or undefined while the cache cannot answer. */
  secretsOf(namespace: string, syncName: string): ObjectMeta[] | undefined;
  /** The entry a history Secret held at `resourceVersion`, when this process read or wrote it. */
  entryAt(namespace: string, secretName: string, resourceVersion: string): HistoryEntry | undefined;
  /**
   * A history Secret this process read or wrote (with its entry, `payloadBytes` as stored): the
   * next list sees it even before the watch does, and the next read of that version is free.
   */
  remember(secret: { metadata: ObjectMeta }, entry?: HistoryEntry, payloadBytes?: number): void;
  /** A history Secret of `syncName` this process deleted. */
  forget(namespace: string, syncName: string, secretName: string): void;
}

export interface HistoryWatchOptions {
  client: ReflectClient;
  logger: Logger;
  /** Watch one namespace only (the agent's, in a namespaced install). */
  namespace?: string;
  /** How long one watch request lasts before it is renewed (default 60 s). */
  timeoutSeconds?: number;
  /** Decoded entries kept, by the size of their payloads as stored (gzip'd; default 8 MiB). */
  maxEntryBytes?: number;
}

interface KeptEntry {
  resourceVersion: string;
  entry: HistoryEntry;
  bytes: number;
}

const keyOf = (namespace: string, name: string) => `${namespace}/${name}`;

/**
 * Every GitSync's history, as one metadata-only watch of the Secrets labelled
 * `ferry.dev/history` shows it (never their payloads), and the entries read since, by Secret and
 * resourceVersion — a version's content never changes, so a kept entry is never stale, only
 * unused. An unchanged poll then lists and reads its history from memory: no API requests. A
 * watch, not a write-through cache, because others write history too (`ferry apply` beside the
 * agent, another replica after a hand-over). Until the first list, and while the watch is
 * broken, the cache does not answer and stores read from the API server.
 */
export class HistoryWatch implements HistoryCache {
  /** Each GitSync's history Secrets' metadata by Secret name, keyed by `namespace/GitSync`. */
  private secrets = new Map<string, Map<string, ObjectMeta>>();
  /** Least recently used first (a Map keeps insertion order), keyed by `namespace/Secret`. */
  private readonly entries = new Map<string, KeptEntry>();
  private entryBytes = 0;
  private synced = false;
  private abort: AbortController | undefined;

  constructor(private readonly options: HistoryWatchOptions) {}

  start(): void {
    if (this.abort) return;
    const abort = new AbortController();
    this.abort = abort;
    const { client, logger } = this.options;
    void reflect(client, {
      apiVersion: 'v1',
      kind: 'Secret',
      labelSelector: HISTORY_LABEL,
      metadataOnly: true,
      ...(this.options.namespace ? { namespace: this.options.namespace } : {}),
      ...(this.options.timeoutSeconds ? { timeoutSeconds: this.options.timeoutSeconds } : {}),
      signal: abort.signal,
      onListed: (items) => {
        this.secrets = new Map();
        for (const item of items) this.index(item.metadata);
        this.synced = true;
      },
      onEvent: (event) => this.onEvent(event),
      onBroken: (error, failures) => {
        this.synced = false;
        const level = error instanceof ForbiddenError ? 'info' : 'warn';
        if (failures === 1) logger[level]({ err: describeError(error) }, 'cannot watch history Secrets; each sync reads its history from the API server');
      },
    });
  }

  stop(): void {
    this.abort?.abort();
    this.abort = undefined;
    this.synced = false;
  }

  secretsOf(namespace: string, syncName: string): ObjectMeta[] | undefined {
    if (!this.synced) return undefined;
    return [...(this.secrets.get(keyOf(namespace, syncName))?.values() ?? [])];
  }

  entryAt(namespace: string, secretName: string, resourceVersion: string): HistoryEntry | undefined {
    const key = keyOf(namespace, secretName);
    const kept = this.entries.get(key);
    if (!kept || kept.resourceVersion !== resourceVersion) return undefined;
    // Used again: it moves to the end, the last to go.
    this.entries.delete(key);
    this.entries.set(key, kept);
    return kept.entry;
  }

  remember(secret: { metadata: ObjectMeta }, entry?: HistoryEntry, payloadBytes = 0): void {
    const { metadata } = secret;
    if (this.synced) this.index(metadata);
    if (!entry || !metadata.resourceVersion) return;
    const key = keyOf(metadata.namespace ?? '', metadata.name);
    this.drop(key);
    const maxBytes = this.options.maxEntryBytes ?? 8 * 1024 * 1024;
    if (payloadBytes > maxBytes) return;
    this.entries.set(key, { resourceVersion: metadata.resourceVersion, entry, bytes: payloadBytes });
    this.entryBytes += payloadBytes;
    for (const [oldest] of this.entries) {
      if (this.entryBytes <= maxBytes) break;
      this.drop(oldest);
    }
  }

  forget(namespace: string, syncName: string, secretName: string): void {
    this.unindex(namespace, syncName, secretName);
    this.drop(keyOf(namespace, secretName));
  }

  private onEvent(event: WatchEvent): void {
    const { metadata } = event.object;
    if (event.type !== 'DELETED') {
      this.index(metadata);
      return;
    }
    const sync = metadata.labels?.[HISTORY_LABEL];
    if (sync) this.forget(metadata.namespace ?? '', sync, metadata.name);
  }

  private index(metadata: ObjectMeta): void {
    const sync = metadata.labels?.[HISTORY_LABEL];
    if (!sync) return;
    const key = keyOf(metadata.namespace ?? '', sync);
    let byName = this.secrets.get(key);
    if (!byName) this.secrets.set(key, (byName = new Map()));
    // managedFields are most of the metadata, and nobody reads them here.
    const { managedFields: _unread, ...kept } = metadata;
    byName.set(metadata.name, kept);
  }

  private unindex(namespace: string, syncName: string, secretName: string): void {
    const key = keyOf(namespace, syncName);
    const byName = this.secrets.get(key);
    byName?.delete(secretName);
    // A GitSync deleted with its history leaves nothing behind.
    if (byName?.size === 0) this.secrets.delete(key);
  }

  private drop(key: string): void {
    const kept = this.entries.get(key);
    if (!kept) return;
    this.entries.delete(key);
    this.entryBytes -= kept.bytes;
  }
}
