import type { KubeObject } from '../objects.js';
import { describeError } from '../errors.js';
import { sleep } from '../sleep.js';
import { GITSYNC_API_VERSION, GITSYNC_KIND } from '../well-known.js';
import type { Logger } from '../log/index.js';
import { ExpiredError, type KubeClient, type WatchEvent } from '../kube/index.js';

/** How often GitSyncs are listed while they cannot be watched (no `watch` permission, a proxy). */
const LIST_WITHOUT_WATCH_MS = 5_000;

export interface GitSyncIntakeOptions {
  client: KubeClient;
  logger: Logger;
  /** Watch GitSyncs in one namespace only (default: all). */
  namespace?: string;
  /** How often GitSyncs are listed in full (default 5 min). */
  resyncMs?: number;
  /** How long one watch request lasts before it is renewed (default 60 s). */
  watchTimeoutSeconds?: number;
  /** A GitSync was listed or changed (also when it did not change: a list repeats everything). */
  onObserved(gitsync: KubeObject): void;
  /** A GitSync is gone (`gitsync`: as it was last seen). */
  onDeleted(key: string, gitsync: KubeObject): void;
  /** A list or a watch event was taken in: a good moment to look at what became due. */
  onSettled(): void;
}

interface Known {
  gitsync: KubeObject;
  /** When a list or the watch last showed it. */
  observedAt: number;
}

/** `namespace/name`: how GitSyncs are keyed throughout the agent. */
export const gitSyncKey = (namespace: string, name: string): string => `${namespace}/${name}`;

/**
 * Keeps the agent's picture of the GitSyncs: one list, then a watch from its resourceVersion
 * (renewed as the server ends it), and a full list every resync period to repair anything a
 * broken watch missed. While watches fail, GitSyncs are listed every 5 s instead (a service
 * account without `watch` still works, only a little slower to react). Every GitSync seen is
 * kept by `namespace/name`; listeners hear what came, changed and went.
 */
export class GitSyncIntake {
  private readonly known = new Map<string, Known>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** When the API server last answered a list or a watch. */
  private lastContact = 0;
  private listedAt = 0;
  private watching: AbortController | undefined;
  /** False while watches fail: GitSyncs are then listed every few seconds instead. */
  private watchWorks = true;

  constructor(private readonly options: GitSyncIntakeOptions) {}

  /** The GitSync last seen under `key`. */
  get(key: string): KubeObject | undefined {
    return this.known.get(key)?.gitsync;
  }

  /** Every GitSync known, by key. */
  *entries(): IterableIterator<[string, KubeObject]> {
    for (const [key, known] of this.known) yield [key, known.gitsync];
  }

  /** Takes in a fresher copy read by someone else (a sync's own GET); it is not a sighting. */
  refresh(gitsync: KubeObject): void {
    const known = this.known.get(gitSyncKey(gitsync.metadata.namespace ?? 'default', gitsync.metadata.name));
    if (known) known.gitsync = gitsync;
  }

  /** True when the API server answered a list or watch recently. */
  get ready(): boolean {
    const watchWindow = 2 * (this.options.watchTimeoutSeconds ?? 60) * 1000 + 30_000;
    return this.lastContact > 0 && Date.now() - this.lastContact < Math.min(watchWindow, Math.max(30_000, 3 * this.resyncMs));
  }

  private get resyncMs(): number {
    return this.options.resyncMs ?? 5 * 60_000;
  }

  /** Lists at once, then watches. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.listedAt = 0;
    void this.loop();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.watching?.abort();
    this.watching = undefined;
  }

  /** Every second (or resync period, when shorter): list when the period has passed. */
  private async loop(): Promise<void> {
    if (!this.running) return;
    try {
      const period = this.watchWorks ? this.resyncMs : Math.min(this.resyncMs, LIST_WITHOUT_WATCH_MS);
      if (Date.now() - this.listedAt >= period) await this.relist();
    } catch (error) {
      this.options.logger.warn({ err: describeError(error) }, 'cannot list GitSyncs; retrying');
    }
    if (this.running) {
      this.timer = setTimeout(() => void this.loop(), Math.min(this.resyncMs, 1000));
      this.timer.unref();
    }
  }

  /** Lists GitSyncs: adds new ones, forgets deleted ones, and (re)starts the watch from there. */
  private async relist(): Promise<void> {
    const asked = Date.now();
    // One unpaged list: its resourceVersion is a consistent point to watch from.
    const page = await this.options.client.listPage(GITSYNC_API_VERSION, GITSYNC_KIND, this.options.namespace ? { namespace: this.options.namespace } : {});
    if (!this.running) return;
    this.listedAt = Date.now();
    this.lastContact = this.listedAt;
    const present = new Set<string>();
    for (const gitsync of page.items) present.add(this.observe(gitsync));
    for (const [key, known] of [...this.known]) {
      // Not in the list, and not seen by the watch since the list was asked for: deleted.
      if (!present.has(key) && known.observedAt < asked) this.forget(key);
    }
    if (!this.watching) void this.watch(page.resourceVersion);
    this.options.onSettled();
  }

  /**
   * Watches GitSyncs from the last list, renewing the watch as the server ends it. A 410 Expired
   * asks for a fresh list; other failures back off while the periodic list stands in.
   */
  private async watch(from: string): Promise<void> {
    const abort = new AbortController();
    this.watching = abort;
    let resourceVersion: string | undefined = from;
    let failures = 0;
    while (this.running && !abort.signal.aborted) {
      if (!resourceVersion) {
        this.listedAt = 0; // list at the next tick; it starts a new watch
        break;
      }
      try {
        resourceVersion = await this.options.client.watch(
          GITSYNC_API_VERSION,
          GITSYNC_KIND,
          { ...(this.options.namespace ? { namespace: this.options.namespace } : {}), resourceVersion, timeoutSeconds: this.options.watchTimeoutSeconds ?? 60, signal: abort.signal },
          (event) => this.onWatchEvent(event),
        );
        this.lastContact = Date.now();
        this.watchWorks = true;
        failures = 0;
      } catch (error) {
        if (error instanceof ExpiredError) {
          resourceVersion = undefined;
          continue;
        }
        if (abort.signal.aborted) break;
        failures++;
        this.watchWorks = false;
        this.options.logger.warn({ err: describeError(error) }, 'cannot watch GitSyncs; relying on the periodic list until the watch works again');
        await sleep(Math.min(60_000, 1000 * 2 ** Math.min(failures, 6)), abort.signal);
      }
    }
    if (this.watching === abort) this.watching = undefined;
  }

  private onWatchEvent(event: WatchEvent): void {
    if (!this.running) return;
    this.lastContact = Date.now();
    this.watchWorks = true;
    if (event.type === 'DELETED') this.forget(gitSyncKey(event.object.metadata.namespace ?? 'default', event.object.metadata.name));
    else this.observe(event.object);
    this.options.onSettled();
  }

  private observe(gitsync: KubeObject): string {
    const key = gitSyncKey(gitsync.metadata.namespace ?? 'default', gitsync.metadata.name);
    this.known.set(key, { gitsync, observedAt: Date.now() });
    this.options.onObserved(gitsync);
    return key;
  }

  private forget(key: string): void {
    const known = this.known.get(key);
    if (!known) return;
    this.known.delete(key);
    this.options.onDeleted(key, known.gitsync);
  }
}
