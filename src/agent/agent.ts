import type { KubeObject } from '../objects.js';
import { formatRef, isJsonObject, objectKey } from '../objects.js';
import { hasWrites } from '../apply/index.js';
import { describeError } from '../errors.js';
import { sleep } from '../sleep.js';
import { GITSYNC_API_VERSION, REQUESTED_AT_ANNOTATION, ROLLBACK_TO_ANNOTATION } from '../well-known.js';
import type { Logger } from '../log/index.js';
import { scrubSecrets, silentLogger } from '../log/index.js';
import { ExpiredError, type KubeClient, type WatchEvent } from '../kube/index.js';
import type { GitSource } from '../source/index.js';
import { HistoryStore } from '../history/index.js';
import {
  reconcile,
  resolveSyncInputs,
  settingsFromGitSync,
  parseInventoryEntry,
  shortRevision,
  SyncReason,
  type SyncOutcome,
  type SyncSettings,
} from '../sync/index.js';
import { recordEvent } from './events.js';
import { ManagedObjectWatcher, kindKey, type KindRef, type ObjectChange } from './live-watch.js';
import { AgentMetrics } from './metrics.js';
import { failureBackoff, nextCronRun, nextIntervalRun } from './schedule.js';
import { statusChanged, statusFromOutcome } from './status.js';

export { GITSYNC_API_VERSION, REQUESTED_AT_ANNOTATION, ROLLBACK_TO_ANNOTATION } from '../well-known.js';
/** How often GitSyncs are listed while they cannot be watched (no `watch` permission, a proxy). */
const LIST_WITHOUT_WATCH_MS = 5_000;
/** A burst of changes (kubectl edit of several objects) becomes one reconcile. */
const CHANGE_DEBOUNCE_MS = 1_000;
/** At most this many reconciles prompted by object changes per window, per GitSync (no hot loop with another writer). */
const PROMPTS_PER_WINDOW = 3;
const PROMPT_WINDOW_MS = 30_000;

/** Hears every outcome (chat notifications subscribe here); must not throw or block. */
export type OutcomeListener = (gitsync: KubeObject, settings: SyncSettings, outcome: SyncOutcome) => void;

export interface AgentOptions {
  client: KubeClient;
  git: GitSource;
  logger?: Logger;
  /** Watch GitSyncs in one namespace only (default: all). */
  namespace?: string;
  /** Syncs running at once (default 4). */
  concurrency?: number;
  /**
   * How often GitSyncs are listed in full (default 5 min). Between lists a watch delivers every
   * change at once; the list repairs anything a broken watch missed.
   */
  resyncMs?: number;
  /** How long one watch request lasts before it is renewed (default 60 s). */
  watchTimeoutSeconds?: number;
  /**
   * Watch the objects GitSyncs manage, so a hand edit or deletion is corrected (or, with
   * self-heal off, reported) within seconds instead of at the next poll (default true).
   */
  watchManagedObjects?: boolean;
  /** Base of the failure backoff (default 10 s, capped at 5 min). */
  failureBackoffMs?: number;
  /** Poll interval of health waits (default 2 s). */
  healthPollMs?: number;
  metrics?: AgentMetrics;
  onOutcome?: OutcomeListener;
}

interface Entry {
  key: string;
  namespace: string;
  name: string;
  gitsync: KubeObject;
  /** When a list or the watch last showed this GitSync. */
  observedAt: number;
  /** When its last sync ended. */
  endedAt?: number;
  /** Object changes seen while it synced (or `undefined` for "look again anyway"): judged once it is done. */
  changedWhileRunning?: Array<ObjectChange | undefined>;
  /** What its last sync wrote, by objectKey: change events matching these are its own writes. */
  written?: Map<string, { resourceVersion?: string; deleted: boolean }>;
  /** When recent change-prompted reconciles were due (rate limit). */
  prompted?: number[];
  /** The generation / annotations last acted upon: a change triggers a sync at once. */
  seen?: { generation: number; requestedAt?: string; rollbackTo?: string };
  nextRunAt: number;
  failures: number;
  running?: Promise<void>;
  abort?: AbortController;
  rerun: boolean;
}

/**
 * The daemon's control loop: lists and watches GitSyncs, decides which are due (interval with
 * jitter, cron, a spec change, `ferry sync`, a pin, a webhook), and runs reconciles with bounded
 * concurrency and never two at once for one GitSync. It holds no sync logic: that is src/sync.
 */
export class Agent {
  readonly metrics: AgentMetrics;
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  private readonly logger: Logger;
  private active = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** When the API server last answered a list or a watch. */
  private lastContact = 0;
  private listedAt = 0;
  private watching: AbortController | undefined;
  /** False while watches fail: GitSyncs are then listed every few seconds instead. */
  private watchWorks = true;

  private readonly managedObjects: ManagedObjectWatcher | undefined;
  private watchedKindsKey = '';

  constructor(private readonly options: AgentOptions) {
    this.logger = options.logger ?? silentLogger();
    this.metrics = options.metrics ?? new AgentMetrics();
    if (options.watchManagedObjects !== false) {
      this.managedObjects = new ManagedObjectWatcher({
        client: options.client,
        logger: this.logger,
        ...(options.namespace ? { namespace: options.namespace } : {}),
        ...(options.watchTimeoutSeconds ? { timeoutSeconds: options.watchTimeoutSeconds } : {}),
        onChange: (sync, change) => this.onManagedObjectChange(sync, change),
        onListed: (kind, askedAt) => this.onManagedKindListed(kind, askedAt),
      });
    }
  }

  /** True when the API server answered recently: the agent can see GitSyncs. */
  get ready(): boolean {
    const watchWindow = 2 * (this.options.watchTimeoutSeconds ?? 60) * 1000 + 30_000;
    return this.lastContact > 0 && Date.now() - this.lastContact < Math.min(watchWindow, Math.max(30_000, 3 * this.resyncMs));
  }

  private get resyncMs(): number {
    return this.options.resyncMs ?? 5 * 60_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  /** Stops scheduling; running syncs get `graceMs` to finish, then are cancelled. */
  async stop(graceMs = 30_000): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.watching?.abort();
    this.watching = undefined;
    this.managedObjects?.stop();
    this.watchedKindsKey = '';
    this.queue.splice(0);
    const running = [...this.entries.values()].filter((entry) => entry.running);
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all(running.map((entry) => entry.running)), grace]);
    for (const entry of running) entry.abort?.abort();
    await Promise.all(running.map((entry) => entry.running?.catch(() => undefined)));
  }

  /** Reconcile a GitSync now (a webhook push, a test). False when the agent does not know it. */
  trigger(namespace: string, name: string): boolean {
    const entry = this.entries.get(`${namespace}/${name}`);
    if (!entry) return false;
    entry.nextRunAt = 0;
    this.enqueue(entry, true);
    return true;
  }

  /** Waits until no sync is running or queued (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.active > 0 || this.queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /** Every second: list when the resync period has passed, then start what is due. */
  private async loop(): Promise<void> {
    if (!this.running) return;
    try {
      const period = this.watchWorks ? this.resyncMs : Math.min(this.resyncMs, LIST_WITHOUT_WATCH_MS);
      if (Date.now() - this.listedAt >= period) await this.relist();
    } catch (error) {
      this.logger.warn({ err: describeError(error) }, 'cannot list GitSyncs; retrying');
    }
    this.startDue();
    if (this.running) {
      this.timer = setTimeout(() => void this.loop(), Math.min(this.resyncMs, 1000));
      this.timer.unref();
    }
  }

  /** Lists GitSyncs: adds new ones, forgets deleted ones, and (re)starts the watch from there. */
  private async relist(): Promise<void> {
    const asked = Date.now();
    // One unpaged list: its resourceVersion is a consistent point to watch from.
    const page = await this.options.client.listPage(GITSYNC_API_VERSION, 'GitSync', this.options.namespace ? { namespace: this.options.namespace } : {});
    this.listedAt = Date.now();
    this.lastContact = this.listedAt;
    const present = new Set<string>();
    for (const gitsync of page.items) present.add(this.observe(gitsync));
    for (const [key, entry] of [...this.entries]) {
      // Not in the list, and not seen by the watch since the list was asked for: deleted.
      if (!present.has(key) && entry.observedAt < asked) this.entries.delete(key);
    }
    if (!this.watching) void this.watch(page.resourceVersion);
    this.watchManagedKinds();
  }

  /**
   * Watches GitSyncs from the last list, renewing the watch as the server ends it, so that a
   * new GitSync, a spec change or `ferry sync` is acted on at once. A 410 Expired asks for a
   * fresh list; other failures back off, and meanwhile GitSyncs are listed every 5 s (a service
   * account without `watch` still works, only a little slower to react).
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
          'GitSync',
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
        failures++;
        this.watchWorks = false;
        this.logger.warn({ err: describeError(error) }, 'cannot watch GitSyncs; relying on the periodic list until the watch works again');
        await sleep(Math.min(60_000, 1000 * 2 ** Math.min(failures, 6)), abort.signal);
      }
    }
    if (this.watching === abort) this.watching = undefined;
  }

  private onWatchEvent(event: WatchEvent): void {
    this.lastContact = Date.now();
    this.watchWorks = true;
    if (event.type === 'DELETED') this.entries.delete(`${event.object.metadata.namespace}/${event.object.metadata.name}`);
    else this.observe(event.object);
    this.watchManagedKinds();
    this.startDue();
  }

  /** Watches the kinds the GitSyncs' inventories hold (recomputed as inventories change). */
  private watchManagedKinds(): void {
    if (!this.managedObjects || !this.running) return;
    const kinds = new Map<string, KindRef>();
    for (const entry of this.entries.values()) for (const [key, kind] of managedKindsOf(entry.gitsync)) kinds.set(key, kind);
    const key = [...kinds.keys()].sort().join(',');
    if (key === this.watchedKindsKey) return;
    this.watchedKindsKey = key;
    this.managedObjects.setKinds(kinds.values());
  }

  /**
   * A kind's watch (re)started from a fresh list: a GitSync that last looked at its objects
   * before that may have missed an edit in between, so it looks again.
   */
  private onManagedKindListed(kind: KindRef, askedAt: number): void {
    const key = kindKey(kind);
    for (const entry of this.entries.values()) {
      if (entry.endedAt === undefined || entry.endedAt >= askedAt) continue;
      if (managedKindsOf(entry.gitsync).has(key)) this.scheduleRecheck(entry);
    }
  }

  /**
   * Someone changed or deleted an object a GitSync manages: reconcile it soon. While it syncs,
   * changes are noted and, unless they were its own writes, looked at once it is done; at most
   * three such reconciles run in 30 s, so an object fought over by another writer cannot
   * hot-loop.
   */
  private onManagedObjectChange(sync: string, change: ObjectChange): void {
    const dot = sync.indexOf('.');
    const entry = this.entries.get(`${sync.slice(0, dot)}/${sync.slice(dot + 1)}`);
    if (!entry) return;
    if (entry.running) {
      (entry.changedWhileRunning ??= []).push(change);
      return;
    }
    if (isOwnWrite(entry, change)) return; // the late echo of its last sync's write
    this.logger.debug({ gitsync: entry.key, object: formatRef(change.ref), change: change.type }, 'a managed object changed; checking for drift');
    this.scheduleRecheck(entry);
  }

  private scheduleRecheck(entry: Entry): void {
    if (entry.running) {
      (entry.changedWhileRunning ??= []).push(undefined);
      return;
    }
    const now = Date.now();
    const recent = (entry.prompted ?? []).filter((at) => now - at < PROMPT_WINDOW_MS);
    const due = recent.length < PROMPTS_PER_WINDOW ? now + CHANGE_DEBOUNCE_MS : (recent[0] as number) + PROMPT_WINDOW_MS;
    if (due < entry.nextRunAt) {
      entry.nextRunAt = due;
      recent.push(due);
      // Start it when due rather than at the next tick of the loop.
      setTimeout(() => this.startDue(), due - now).unref();
    }
    entry.prompted = recent;
  }

  /** Takes in the current state of one GitSync; a new request makes it due now. Returns its key. */
  private observe(gitsync: KubeObject): string {
    const key = `${gitsync.metadata.namespace}/${gitsync.metadata.name}`;
    const entry = this.entries.get(key) ?? { key, namespace: gitsync.metadata.namespace ?? 'default', name: gitsync.metadata.name, gitsync, observedAt: 0, nextRunAt: 0, failures: 0, rerun: false };
    entry.gitsync = gitsync;
    entry.observedAt = Date.now();
    this.entries.set(key, entry);
    if (this.hasNewRequest(entry)) {
      entry.nextRunAt = 0;
      // A request that arrives while a sync runs gets a sync of its own afterwards.
      if (entry.running) entry.rerun = true;
    }
    return key;
  }

  /** Queues every GitSync whose time has come. */
  private startDue(): void {
    const now = Date.now();
    for (const entry of this.entries.values()) {
      if (entry.nextRunAt <= now && !isSuspended(entry.gitsync)) this.enqueue(entry);
    }
  }

  /** A spec change, a `ferry sync` request or a new pin since the last sync. */
  private hasNewRequest(entry: Entry): boolean {
    const current = snapshotOf(entry.gitsync);
    const status = isJsonObject(entry.gitsync.status) ? entry.gitsync.status : {};
    if (!entry.seen) {
      // First sight (also after a restart): a request not yet handled by any agent counts.
      return current.requestedAt !== undefined && current.requestedAt !== status.lastHandledRequestedAt;
    }
    return current.generation !== entry.seen.generation || current.requestedAt !== entry.seen.requestedAt || current.rollbackTo !== entry.seen.rollbackTo;
  }

  private enqueue(entry: Entry, urgent = false): void {
    if (!this.running) return;
    if (entry.running) {
      if (urgent) entry.rerun = true;
      return;
    }
    if (this.queue.includes(entry)) return;
    this.queue.push(entry);
    this.drain();
  }

  private drain(): void {
    while (this.active < (this.options.concurrency ?? 4) && this.queue.length > 0) {
      const entry = this.queue.shift() as Entry;
      this.active++;
      // Not due again until this run ends and schedules the next one.
      entry.nextRunAt = Number.POSITIVE_INFINITY;
      entry.abort = new AbortController();
      entry.running = this.syncOne(entry, entry.abort.signal).finally(() => {
        this.active--;
        entry.running = undefined;
        entry.endedAt = Date.now();
        // A change during the sync that was not its own write was someone else's: look again.
        const foreign = (entry.changedWhileRunning ?? []).some((change) => !change || !isOwnWrite(entry, change));
        entry.changedWhileRunning = undefined;
        if (foreign) this.scheduleRecheck(entry);
        if (entry.rerun && this.running) {
          entry.rerun = false;
          entry.nextRunAt = 0;
          this.enqueue(entry);
        }
        this.drain();
      });
    }
  }

  /** One reconcile of one GitSync, with status, events, metrics and the next run time. */
  private async syncOne(entry: Entry, signal: AbortSignal): Promise<void> {
    const { client } = this.options;
    const started = Date.now();
    let gitsync = entry.gitsync;
    const logger = this.logger.child({ gitsync: entry.key });
    try {
      gitsync = (await client.getOrNull({ apiVersion: GITSYNC_API_VERSION, kind: 'GitSync', namespace: entry.namespace, name: entry.name })) ?? gitsync;
    } catch {
      // Use what the list said.
    }
    const snapshot = snapshotOf(gitsync);
    entry.seen = snapshot;
    entry.gitsync = gitsync;
    // Suspended after it was queued (or while a run that queued a follow-up was going on).
    if (isSuspended(gitsync)) return;
    let settings: SyncSettings | undefined;
    let outcome: SyncOutcome;
    let pinnedRevision: string | undefined;
    let secretValues: string[] = [];
    try {
      ({ settings, secretValues } = await resolveSyncInputs(client, settingsFromGitSync(gitsync)));
      const pin = snapshot.rollbackTo ? await this.resolvePin(entry, snapshot.rollbackTo) : undefined;
      pinnedRevision = pin ? `entry ${pin.number} (${shortRevision(pin.revision)})` : undefined;
      const labels = { namespace: entry.namespace, name: entry.name };
      outcome = await reconcile(settings, { client, git: this.options.git, logger }, {
        signal,
        onEvent: (event) => {
          if (event.type === 'source') this.metrics.gitFetchDuration.observe(labels, (Date.now() - started) / 1000);
        },
        ...(pin ? { pinnedEntry: pin.number } : {}),
        ...(this.options.healthPollMs ? { pollIntervalMs: this.options.healthPollMs } : {}),
      });
    } catch (error) {
      outcome = failedOutcome(error, started);
    }
    outcome = { ...outcome, message: scrubSecrets(outcome.message, secretValues) };
    entry.written = new Map(
      outcome.changes
        .filter((change) => hasWrites([change]))
        .map((change) => [objectKey(change.ref), { ...(change.resourceVersion ? { resourceVersion: change.resourceVersion } : {}), deleted: change.action === 'deleted' || change.action === 'recreated' }]),
    );
    logger.info({ revision: outcome.revision, result: outcome.result, reason: outcome.reason, durationMs: outcome.durationMs }, outcome.message);
    this.record(entry, outcome);
    try {
      await this.writeStatus(gitsync, outcome, snapshot, pinnedRevision);
      if (outcome.result !== 'Unchanged') {
        const type = outcome.result === 'Synced' || outcome.result === 'DryRun' ? 'Normal' : 'Warning';
        await recordEvent(client, gitsync, type, outcome.reason, outcome.message);
      }
    } catch (error) {
      logger.warn({ err: describeError(error) }, 'cannot write GitSync status or event');
    }
    if (settings) this.options.onOutcome?.(gitsync, settings, outcome);
    // Schedule the next run: interval (jittered) or cron, failures backing off.
    const end = Date.now();
    const failed = outcome.result === 'Failed';
    entry.failures = failed ? entry.failures + 1 : 0;
    const interval = settings?.intervalMs ?? 60_000;
    if (failed) entry.nextRunAt = end + Math.min(interval, failureBackoff(entry.failures, this.options.failureBackoffMs ?? 10_000));
    else if (settings?.schedule) entry.nextRunAt = safeCron(settings.schedule, end) ?? nextIntervalRun(end, interval);
    else entry.nextRunAt = nextIntervalRun(end, interval);
  }

  /** `ferry.dev/rollback-to`: a history entry number, or a commit SHA (its newest good entry). */
  private async resolvePin(entry: Entry, value: string): Promise<{ number: number; revision: string } | undefined> {
    const summaries = await new HistoryStore(this.options.client, entry.namespace, entry.name).list();
    const match = /^\d+$/.test(value)
      ? summaries.find((s) => s.number === Number(value))
      : [...summaries].reverse().find((s) => s.result === 'Succeeded' && s.revision.startsWith(value));
    return match ? { number: match.number, revision: match.revision } : { number: Number.isNaN(Number(value)) ? -1 : Number(value), revision: value };
  }

  private record(entry: Entry, outcome: SyncOutcome): void {
    const labels = { namespace: entry.namespace, name: entry.name };
    this.metrics.syncDuration.observe({ ...labels, result: outcome.result }, outcome.durationMs / 1000);
    this.metrics.syncTotal.inc({ ...labels, result: outcome.result, reason: outcome.reason });
    this.metrics.driftedObjects.set(labels, outcome.driftCorrected ? 0 : outcome.drift.length);
    if (outcome.result === 'Synced' || outcome.result === 'Unchanged') this.metrics.lastSuccess.set(labels, Date.now() / 1000);
  }

  private async writeStatus(gitsync: KubeObject, outcome: SyncOutcome, snapshot: ReturnType<typeof snapshotOf>, pinnedRevision: string | undefined): Promise<void> {
    const previous = isJsonObject(gitsync.status) ? gitsync.status : undefined;
    const status = statusFromOutcome({
      previous,
      outcome,
      generation: snapshot.generation,
      now: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...(snapshot.requestedAt ? { requestedAt: snapshot.requestedAt } : {}),
      ...(pinnedRevision ? { pinnedRevision } : {}),
    });
    if (!statusChanged(previous, status)) return;
    const patch: Record<string, unknown> = { ...status };
    if (!pinnedRevision && previous?.pinnedRevision) patch.pinnedRevision = null;
    await this.options.client.mergePatch(
      { apiVersion: GITSYNC_API_VERSION, kind: 'GitSync', namespace: gitsync.metadata.namespace ?? 'default', name: gitsync.metadata.name },
      { status: patch },
      { subresource: 'status' },
    );
  }
}

function snapshotOf(gitsync: KubeObject): { generation: number; requestedAt?: string; rollbackTo?: string } {
  const annotations = gitsync.metadata.annotations ?? {};
  return {
    generation: gitsync.metadata.generation ?? 0,
    ...(annotations[REQUESTED_AT_ANNOTATION] ? { requestedAt: annotations[REQUESTED_AT_ANNOTATION] } : {}),
    ...(annotations[ROLLBACK_TO_ANNOTATION] ? { rollbackTo: annotations[ROLLBACK_TO_ANNOTATION] } : {}),
  };
}

function isSuspended(gitsync: KubeObject): boolean {
  return isJsonObject(gitsync.spec) && gitsync.spec.suspend === true;
}

function safeCron(expression: string, after: number): number | undefined {
  try {
    return nextCronRun(expression, after);
  } catch {
    return undefined;
  }
}

/** An outcome for failures before reconcile could start (a bad spec, a missing Secret). */
function failedOutcome(error: unknown, started: number): SyncOutcome {
  const message = describeError(error);
  const code = (error as { code?: string }).code ?? '';
  return {
    result: 'Failed',
    reason: code.startsWith('SYNC_') ? SyncReason.SourceUnavailable : SyncReason.ApplyFailed,
    message,
    changes: [],
    drift: [],
    driftCorrected: false,
    inventory: [],
    history: [],
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
  };
}

/** True when a change is the echo of what the GitSync's last sync wrote (same resourceVersion, or its own deletion). */
function isOwnWrite(entry: Entry, change: ObjectChange): boolean {
  const written = entry.written?.get(objectKey(change.ref));
  if (!written) return false;
  if (change.type === 'DELETED') return written.deleted;
  return written.resourceVersion !== undefined && written.resourceVersion === change.resourceVersion;
}

const kindsByGitSync = new WeakMap<KubeObject, Map<string, KindRef>>();

/**
 * The kinds a GitSync's status inventory holds, by `apiVersion|Kind`. Parsed once per GitSync
 * object seen (a watch event brings a new one), not on every event for every GitSync.
 */
function managedKindsOf(gitsync: KubeObject): Map<string, KindRef> {
  let kinds = kindsByGitSync.get(gitsync);
  if (kinds) return kinds;
  kinds = new Map();
  const inventory = isJsonObject(gitsync.status) && Array.isArray(gitsync.status.inventory) ? gitsync.status.inventory : [];
  for (const item of inventory) {
    const ref = typeof item === 'string' ? parseInventoryEntry(item) : undefined;
    if (ref) kinds.set(kindKey(ref), { apiVersion: ref.apiVersion, kind: ref.kind });
  }
  kindsByGitSync.set(gitsync, kinds);
  return kinds;
}
