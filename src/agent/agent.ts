import type { KubeObject } from '../objects.js';
import { formatRef, isJsonObject } from '../objects.js';
import { describeError } from '../errors.js';
import { GITSYNC_API_VERSION, GITSYNC_FINALIZER, GITSYNC_KIND } from '../well-known.js';
import type { Logger } from '../log/index.js';
import { silentLogger } from '../log/index.js';
import type { KubeClient } from '../kube/index.js';
import type { GitSource } from '../source/index.js';
import { HistoryWatch } from '../history/index.js';
import { syncIdentity, type SyncOutcome, type SyncSettings, type TenancyPolicy } from '../sync/index.js';
import { recordEvent } from './events.js';
import { addFinalizer, finalizeGitSync, hasFinalizer, isBeingDeleted, type PruneIdentity } from './finalizer.js';
import { GitSyncIntake, gitSyncKey } from './gitsync-intake.js';
import { ManagedObjectWatcher, kindKey, type KindRef, type ObjectChange } from './live-watch.js';
import { managedKindsOf, managedKindsOfAll } from './managed-kinds.js';
import { AgentMetrics, type GitSyncLabels } from './metrics.js';
import { OwnWrites } from './own-writes.js';
import { reportOutcome } from './report.js';
import { hasNewRequest, isSuspended, requestSnapshotOf, type RequestSnapshot } from './requests.js';
import { runSync } from './run-sync.js';
import { isAssigned, mayHold, type ShardView } from './shard-gate.js';
import { releaseShardLock, shardOwnerOf, takeShardLock } from './shard-lock.js';
import type { RunVerdict } from './schedule.js';
import { SyncScheduler, type RunPlace } from './scheduler.js';
import { commitOf, sourceKeyOf, SourceHeads } from './shared-sources.js';

export { GITSYNC_API_VERSION, REQUESTED_AT_ANNOTATION, ROLLBACK_TO_ANNOTATION } from '../well-known.js';

/** The Event reason when a deleted GitSync's objects were pruned. */
const PRUNED_REASON = 'Pruned';

/** The labels of a GitSync's metric series. */
const seriesOf = (gitsync: KubeObject): GitSyncLabels => ({ namespace: gitsync.metadata.namespace ?? 'default', name: gitsync.metadata.name });

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
  /** Multi-tenancy rules (impersonation, boundaries, source schemes); default: none but the built-in ones. */
  tenancy?: TenancyPolicy;
  /**
   * Sharding across replicas (`--shards auto`): this replica reconciles only the GitSyncs
   * rendezvous hashing assigns to it, each under its `ferry.dev/owner` lock. Call
   * `reassign()` whenever the members change.
   */
  shards?: ShardView;
}

/**
 * The daemon's control loop, wired from small parts: the GitSync intake (list and watch), the
 * scheduler (due times, queue, backoff, concurrency), the managed-object watcher with own-write
 * detection, and the run and report of one reconcile. It decides which GitSyncs are due (interval
 * with jitter, cron, a spec change, `ferry sync`, a pin, a webhook, a change to what they manage)
 * and holds no sync logic: that is src/sync.
 */
export class Agent {
  readonly metrics: AgentMetrics;
  private readonly logger: Logger;
  private readonly gitsyncs: GitSyncIntake;
  private readonly scheduler: SyncScheduler;
  private readonly ownWrites = new OwnWrites();
  /** What the last run of each GitSync acted on: anything newer is a request. */
  private readonly seen = new Map<string, RequestSnapshot>();
  private readonly managedObjects: ManagedObjectWatcher | undefined;
  /** Every GitSync's history, from one watch: an unchanged poll reads it from memory. */
  private readonly history: HistoryWatch;
  /** The last commit seen per repository and ref: when it moves, every GitSync on it runs. */
  private readonly sourceHeads = new SourceHeads();
  /** GitSyncs whose next run asks Git afresh (a webhook, a recheck), not through a shared answer. */
  private readonly askedFresh = new Set<string>();
  private watchedKindsKey = '';
  private running = false;
  /** Bumped when leadership is lost: a run may write only while the term it started in lasts. */
  private term = 0;
  /** GitSyncs whose running sync was cancelled because they are another replica's now: it writes nothing more. */
  private readonly revoked = new Set<string>();

  constructor(private readonly options: AgentOptions) {
    this.logger = options.logger ?? silentLogger();
    this.metrics = options.metrics ?? new AgentMetrics();
    const shards = options.shards;
    if (shards) {
      this.metrics.shardReport = () => {
        const assigned = [...this.gitsyncs.entries()].filter(([key]) => isAssigned(shards, key)).length;
        return { replica: shards.identity, gitsyncs: assigned, members: shards.members?.length ?? 0 };
      };
    }
    this.gitsyncs = new GitSyncIntake({
      client: options.client,
      logger: this.logger,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      ...(options.resyncMs ? { resyncMs: options.resyncMs } : {}),
      ...(options.watchTimeoutSeconds ? { watchTimeoutSeconds: options.watchTimeoutSeconds } : {}),
      onObserved: (gitsync) => this.onGitSyncObserved(gitsync),
      onDeleted: (key, gitsync) => this.onGitSyncDeleted(key, gitsync),
      onSettled: () => {
        this.watchManagedKinds();
        this.scheduler.startDue();
      },
    });
    this.scheduler = new SyncScheduler({
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.failureBackoffMs ? { failureBackoffMs: options.failureBackoffMs } : {}),
      mayStart: (key) => {
        const gitsync = this.gitsyncs.get(key);
        // A suspended GitSync being deleted still lets its finalizer go.
        if (gitsync === undefined || (this.options.shards && !mayHold(this.options.shards, key, gitsync))) return false;
        return !isSuspended(gitsync) || (isBeingDeleted(gitsync) && hasFinalizer(gitsync));
      },
      run: (key, signal, place, lateMs) => this.syncOne(key, signal, place, lateMs),
      // A change during the sync that was not its own write was someone else's: look again.
      onRunEnd: (key) => {
        if (this.ownWrites.releaseHeld(key)) this.recheck(key);
        this.handBackIfMoved(key);
      },
    });
    this.history = new HistoryWatch({
      client: options.client,
      logger: this.logger,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      ...(options.watchTimeoutSeconds ? { timeoutSeconds: options.watchTimeoutSeconds } : {}),
    });
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
    return this.gitsyncs.ready;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.history.start();
    this.scheduler.start();
    this.gitsyncs.start();
  }

  /**
   * Leadership is lost: running syncs are cancelled at once and nothing more is written for
   * them (not even their status: another replica may be leading already).
   */
  async stepDown(): Promise<void> {
    this.term++;
    await this.stop(0);
  }

  /** Stops scheduling; running syncs get `graceMs` to finish, then are cancelled. */
  async stop(graceMs = 30_000): Promise<void> {
    this.running = false;
    this.gitsyncs.stop();
    this.managedObjects?.stop();
    this.history.stop();
    this.watchedKindsKey = '';
    await this.scheduler.stop(graceMs);
  }

  /**
   * The live replicas changed (sharded agents): a GitSync that moved away is cancelled if it
   * runs (nothing more is written for it) and its lock released once it stops, so its new
   * replica takes it at once; a GitSync that moved here runs as soon as its lock is free.
   */
  reassign(): void {
    const shards = this.options.shards;
    if (!shards || !this.running) return;
    for (const [key, gitsync] of this.gitsyncs.entries()) {
      if (isAssigned(shards, key)) {
        if (shardOwnerOf(gitsync) !== shards.identity && mayHold(shards, key, gitsync)) this.scheduler.runSoon(key);
      } else if (this.scheduler.isRunning(key)) {
        this.revoke(key);
      } else {
        this.handBackIfMoved(key);
      }
    }
    this.scheduler.startDue();
  }

  /** Reconcile a GitSync now (a webhook push, a test). False when the agent does not know it. */
  trigger(namespace: string, name: string): boolean {
    const key = gitSyncKey(namespace, name);
    if (!this.gitsyncs.get(key)) return false;
    this.askedFresh.add(key);
    this.scheduler.runSoon(key);
    this.scheduler.startDue();
    return true;
  }

  /** Waits until no sync is running or queued (tests, benchmarks). */
  async idle(): Promise<void> {
    await this.scheduler.idle();
  }

  /** A GitSync was listed or changed: a new request makes it due now. */
  private onGitSyncObserved(gitsync: KubeObject): void {
    const key = gitSyncKey(gitsync.metadata.namespace ?? 'default', gitsync.metadata.name);
    this.scheduler.track(key);
    if (hasNewRequest(this.seen.get(key), gitsync)) this.scheduler.runSoon(key);
    const shards = this.options.shards;
    if (!shards) return;
    const owner = shardOwnerOf(gitsync);
    if (this.scheduler.isRunning(key)) {
      // Another replica holds its lock: whatever this run does now could overlap with it.
      if (owner !== undefined && owner !== shards.identity && !this.revoked.has(key)) this.revoke(key);
    } else if (owner !== shards.identity && mayHold(shards, key, gitsync)) {
      this.scheduler.runSoon(key); // its lock was released, or its holder is gone
    } else if (owner !== undefined && owner !== shards.identity) {
      this.metrics.forgetGitSync(seriesOf(gitsync)); // another replica reconciles it (and reports it) now
    } else {
      this.handBackIfMoved(key); // a release that lost a race (or failed) is tried again at each look
    }
  }

  /** Cancels the running sync of a GitSync that is no longer this replica's: it writes nothing more. */
  private revoke(key: string): void {
    this.revoked.add(key);
    this.logger.info({ gitsync: key }, 'the GitSync moved to another replica; cancelling its sync');
    this.scheduler.cancel(key);
  }

  /**
   * Releases the lock of a GitSync that is not running and is assigned to another replica now,
   * from a fresh read (a sync's status writes moved its resourceVersion on); a lost race or a
   * failed write is retried at the next change of members and whenever the GitSync is seen again
   * (a watch event, the periodic list).
   */
  private handBackIfMoved(key: string): void {
    const shards = this.options.shards;
    const cached = this.gitsyncs.get(key);
    if (!shards || !cached || shardOwnerOf(cached) !== shards.identity || isAssigned(shards, key) || shards.members === undefined) return;
    void (async () => {
      const { client } = this.options;
      const fresh = await client.getOrNull({ apiVersion: GITSYNC_API_VERSION, kind: GITSYNC_KIND, namespace: cached.metadata.namespace ?? 'default', name: cached.metadata.name });
      if (!fresh || this.scheduler.isRunning(key) || isAssigned(shards, key) || shards.members === undefined) return;
      const released = await releaseShardLock(client, fresh, shards.identity);
      if (released) {
        this.gitsyncs.refresh(released);
        this.metrics.forgetGitSync(seriesOf(released));
        this.logger.info({ gitsync: key }, 'handed the GitSync over to the replica it is assigned to');
      }
    })().catch((error: unknown) => this.logger.warn({ err: describeError(error), gitsync: key }, 'cannot release the GitSync; retrying at the next change'));
  }

  /**
   * Takes the GitSync's lock (as read just now) for this replica, or learns it may not run it:
   * assigned elsewhere, or held by a live replica that has not let it go yet.
   */
  private async holdShard(key: string, gitsync: KubeObject): Promise<KubeObject | undefined> {
    const shards = this.options.shards;
    if (!shards) return gitsync;
    if (!mayHold(shards, key, gitsync)) return undefined;
    if (shardOwnerOf(gitsync) === shards.identity) return gitsync;
    const taken = await takeShardLock(this.options.client, gitsync, shards.identity);
    if (!taken) return undefined;
    this.gitsyncs.refresh(taken);
    this.logger.info({ gitsync: key, from: shardOwnerOf(gitsync) ?? null }, 'took the GitSync');
    return taken;
  }

  private onGitSyncDeleted(key: string, gitsync: KubeObject): void {
    this.metrics.forgetGitSync(seriesOf(gitsync));
    this.scheduler.forget(key);
    this.ownWrites.forget(key);
    this.seen.delete(key);
    this.askedFresh.delete(key);
  }

  /** Watches the kinds the GitSyncs' inventories hold (recomputed as inventories change). */
  private watchManagedKinds(): void {
    if (!this.managedObjects || !this.running) return;
    const kinds = managedKindsOfAll([...this.gitsyncs.entries()].map(([, gitsync]) => gitsync));
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
    const kindName = kindKey(kind);
    for (const [key, gitsync] of this.gitsyncs.entries()) {
      const endedAt = this.scheduler.endedAt(key);
      if (endedAt === undefined || endedAt >= askedAt) continue;
      if (managedKindsOf(gitsync).has(kindName)) this.recheck(key);
    }
  }

  /**
   * Someone changed or deleted an object a GitSync manages: reconcile it soon. While it syncs,
   * changes are held and, unless they were its own writes, looked at once it is done; the
   * scheduler rate-limits such reconciles, so an object fought over by another writer cannot
   * hot-loop.
   */
  private onManagedObjectChange(sync: string, change: ObjectChange): void {
    const dot = sync.indexOf('.');
    const key = gitSyncKey(sync.slice(0, dot), sync.slice(dot + 1));
    if (!this.gitsyncs.get(key)) return;
    if (this.scheduler.isRunning(key)) return this.ownWrites.hold(key, change);
    if (this.ownWrites.isOwn(key, change)) return; // the late echo of its last sync's write
    this.logger.debug({ gitsync: key, object: formatRef(change.ref), change: change.type }, 'a managed object changed; checking for drift');
    this.recheck(key);
  }

  /**
   * A change to what it manages prompts a look: that run asks Git afresh too (only interval and
   * cron polls share an answer), as rare as hand edits are.
   */
  private recheck(key: string): void {
    this.askedFresh.add(key);
    this.scheduler.recheckSoon(key);
  }

  /** One reconcile of one GitSync, with status, events, metrics; the verdict sets its next run. */
  private async syncOne(key: string, signal: AbortSignal, place: RunPlace, lateMs = 0): Promise<RunVerdict | undefined> {
    const { client } = this.options;
    const cached = this.gitsyncs.get(key);
    if (!cached) return undefined;
    const term = this.term;
    const logger = this.logger.child({ gitsync: key });
    let gitsync = cached;
    // A poll acts on the GitSync as its watch holds it (a change to it is an event, and a run of
    // its own); a request, a webhook, a recheck, a deletion and a sharded replica's lock read it afresh.
    const poll = !this.options.shards && this.seen.has(key) && !this.askedFresh.has(key) && !hasNewRequest(this.seen.get(key), cached);
    if (!poll) {
      try {
        gitsync = (await client.getOrNull({ apiVersion: GITSYNC_API_VERSION, kind: GITSYNC_KIND, namespace: cached.metadata.namespace ?? 'default', name: cached.metadata.name })) ?? cached;
      } catch {
        // Use what the list said.
      }
      this.gitsyncs.refresh(gitsync);
    }
    this.revoked.delete(key);
    if (signal.aborted) return { failed: false, cancelled: true, intervalMs: 60_000 };
    // Sharded: only under this replica's lock (and not seen as a request before it is taken).
    let held: KubeObject | undefined;
    try {
      held = await this.holdShard(key, gitsync);
    } catch (error) {
      logger.warn({ err: describeError(error) }, 'cannot take the GitSync; retrying');
      return { failed: false, cancelled: true, intervalMs: 60_000 };
    }
    // Membership lost meanwhile: due again once this replica is a member (not "only when asked").
    if (signal.aborted || this.term !== term) return { failed: false, cancelled: true, intervalMs: 60_000 };
    if (!held) return undefined;
    gitsync = held;
    const request = requestSnapshotOf(gitsync);
    const seenBefore = this.seen.get(key);
    // A spec change, a webhook or a recheck asks Git now; a poll shares the answer of its repository's last poll.
    const fresh = this.askedFresh.delete(key) || (seenBefore !== undefined && seenBefore.generation !== request.generation);
    this.seen.set(key, request);
    if (isBeingDeleted(gitsync)) return hasFinalizer(gitsync) ? this.finalize(key, gitsync, signal) : undefined;
    // Suspended after it was queued (or while a run that queued a follow-up was going on).
    if (isSuspended(gitsync)) return undefined;
    // First, so that a GitSync deleted after this run still prunes what the run applies.
    if (!hasFinalizer(gitsync)) {
      try {
        gitsync = (await addFinalizer(client, gitsync)) ?? gitsync;
      } catch (error) {
        logger.warn({ err: describeError(error) }, `cannot add the ${GITSYNC_FINALIZER} finalizer; deleting this GitSync will not prune its objects`);
      }
    }
    const { settings, outcome, pinnedRevision } = await runSync(
      {
        client,
        git: this.options.git,
        logger,
        metrics: this.metrics,
        tenancy: this.options.tenancy ?? {},
        historyCache: this.history,
        ...(this.managedObjects ? { liveCache: this.managedObjects } : {}),
        ...(this.options.healthPollMs ? { healthPollMs: this.options.healthPollMs } : {}),
      },
      gitsync,
      request,
      signal,
      { ...(fresh ? {} : { shareSource: { lateMs } }), place },
    );
    this.ownWrites.remember(key, outcome.changes);
    if (outcome.revision) this.followMovedSource(key, gitsync, commitOf(outcome.revision));
    logger.info({ revision: outcome.revision, result: outcome.result, reason: outcome.reason, durationMs: outcome.durationMs }, outcome.message);
    // A GitSync that moved to another replica is that replica's to report; one deleted during
    // the run gets no series back.
    if (!this.revoked.has(key) && this.gitsyncs.get(key)) this.metrics.recordOutcome(seriesOf(gitsync), outcome);
    const verdict = { failed: outcome.result === 'Failed', intervalMs: settings?.intervalMs ?? 60_000, ...(settings?.schedule ? { schedule: settings.schedule } : {}) };
    // Leadership (or membership) was lost during the run, or the GitSync moved to another
    // replica: that one may be writing it already.
    if (this.term !== term || this.revoked.has(key)) return { ...verdict, cancelled: true };
    try {
      await reportOutcome(client, gitsync, outcome, request, pinnedRevision);
    } catch (error) {
      logger.warn({ err: describeError(error) }, 'cannot write GitSync status or event');
    }
    // A cancelled run (shutdown) is no news to alert on: the next start tries again.
    if (outcome.result === 'Cancelled') return { ...verdict, cancelled: true };
    if (settings) this.options.onOutcome?.(gitsync, settings, outcome);
    return verdict;
  }

  /** Who prunes a deleted GitSync's objects: the identity its syncs act as, unless that service account is gone. */
  private async pruneIdentity(gitsync: KubeObject): Promise<PruneIdentity> {
    const { client } = this.options;
    const spec = isJsonObject(gitsync.spec) ? gitsync.spec : {};
    const namespace = gitsync.metadata.namespace ?? 'default';
    const identity = syncIdentity({ namespace, ...(typeof spec.serviceAccountName === 'string' && spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}) }, this.options.tenancy);
    if (!identity) return { client };
    const name = identity.user.slice(identity.user.lastIndexOf(':') + 1);
    const account = await client.getOrNull({ apiVersion: 'v1', kind: 'ServiceAccount', namespace, name });
    return account ? { client: client.impersonate(identity) } : { missing: `ServiceAccount/${namespace}/${name}` };
  }

  /** The repository of `gitsync` moved to `commit`: the other GitSyncs on it that have not seen it run now. */
  private followMovedSource(key: string, gitsync: KubeObject, commit: string): void {
    const source = sourceKeyOf(gitsync);
    if (!source || !this.sourceHeads.moved(source, commit)) return;
    const used = new Set<string>();
    for (const [other, sibling] of this.gitsyncs.entries()) {
      const siblingSource = sourceKeyOf(sibling);
      if (siblingSource) used.add(siblingSource);
      if (other === key || siblingSource !== source) continue;
      const attempted = isJsonObject(sibling.status) && typeof sibling.status.lastAttemptedRevision === 'string' ? commitOf(sibling.status.lastAttemptedRevision) : undefined;
      if (attempted !== commit) this.scheduler.runSoon(other);
    }
    this.sourceHeads.keepOnly(used);
  }

  /** The GitSync is being deleted: prune what it applied (or not), then let it go; retried with backoff. */
  private async finalize(key: string, gitsync: KubeObject, signal: AbortSignal): Promise<RunVerdict> {
    const { client } = this.options;
    const logger = this.logger.child({ gitsync: key });
    const term = this.term;
    try {
      const finalization = await finalizeGitSync(client, gitsync, signal, await this.pruneIdentity(gitsync));
      if (this.term !== term || signal.aborted || this.revoked.has(key)) return { failed: false, cancelled: true, intervalMs: 60_000 };
      if (finalization.done) {
        logger.info({ pruned: finalization.pruned }, `deleted: ${finalization.message}`);
        if (finalization.pruned) await recordEvent(client, gitsync, 'Normal', PRUNED_REASON, finalization.message).catch(() => undefined);
        return { failed: false, intervalMs: 60_000 };
      }
      const { outcome } = finalization;
      logger.warn({ result: outcome.result, reason: outcome.reason }, outcome.message);
      this.metrics.recordOutcome(seriesOf(gitsync), outcome);
      await reportOutcome(client, gitsync, outcome, requestSnapshotOf(gitsync), undefined).catch((error: unknown) => logger.warn({ err: describeError(error) }, 'cannot write GitSync status or event'));
    } catch (error) {
      logger.warn({ err: describeError(error) }, 'cannot finish deleting the GitSync; retrying');
    }
    return { failed: true, intervalMs: 60_000 };
  }
}
