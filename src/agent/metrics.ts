import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestEvent } from '../kube/index.js';
import type { SyncOutcome } from '../sync/index.js';

/** The labels that name one GitSync on its series. */
export interface GitSyncLabels {
  namespace: string;
  name: string;
}

/** The `result` and `reason` label values one GitSync's outcomes were given, by `result reason`. */
type OutcomesSeen = Map<string, { result: string; reason: string }>;

const seriesKey = (gitsync: GitSyncLabels) => `${gitsync.namespace}/${gitsync.name}`;

/** The agent's Prometheus metrics, on a registry of its own (no global state). */
export class AgentMetrics {
  readonly registry = new Registry();

  /** `processMetrics` adds the standard process_* and nodejs_* metrics (memory, GC, event loop lag). */
  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  readonly syncDuration = new Histogram({
    name: 'ferry_sync_duration_seconds',
    help: 'Duration of one reconcile of one GitSync.',
    labelNames: ['namespace', 'name', 'result'] as const,
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  readonly syncTotal = new Counter({
    name: 'ferry_sync_total',
    help: 'Reconciles by outcome.',
    labelNames: ['namespace', 'name', 'result', 'reason'] as const,
    registers: [this.registry],
  });
  readonly driftedObjects = new Gauge({
    name: 'ferry_drifted_objects',
    help: 'Objects whose live state left Git, per GitSync.',
    labelNames: ['namespace', 'name'] as const,
    registers: [this.registry],
  });
  readonly lastSuccess = new Gauge({
    name: 'ferry_last_successful_sync_timestamp_seconds',
    help: 'When a GitSync last synced successfully.',
    labelNames: ['namespace', 'name'] as const,
    registers: [this.registry],
  });
  readonly gitFetchDuration = new Histogram({
    name: 'ferry_git_fetch_duration_seconds',
    help: 'Duration of fetching a GitSync source.',
    labelNames: ['namespace', 'name'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly kubeRequests = new Counter({
    name: 'ferry_kube_requests_total',
    help: 'Kubernetes API requests by verb and status code.',
    labelNames: ['verb', 'code'] as const,
    registers: [this.registry],
  });

  /** Set by a sharded agent: this replica, the GitSyncs assigned to it and the live members it sees, read at each scrape. */
  shardReport: (() => { replica: string; gitsyncs: number; members: number }) | undefined;
  readonly shardGitSyncs = new Gauge({
    name: 'ferry_shard_gitsyncs',
    help: 'GitSyncs assigned to this agent replica by rendezvous hashing over the live replicas (sharded agents).',
    labelNames: ['replica'] as const,
    registers: [this.registry],
    collect: () => {
      const report = this.shardReport?.();
      this.shardGitSyncs.reset();
      if (report) this.shardGitSyncs.set({ replica: report.replica }, report.gitsyncs);
    },
  });
  readonly shardMembers = new Gauge({
    name: 'ferry_shard_members',
    help: 'Live agent replicas this replica sees (sharded agents).',
    registers: [this.registry],
    collect: () => {
      const report = this.shardReport?.();
      this.shardMembers.reset();
      if (report) this.shardMembers.set(report.members);
    },
  });

  /** The GitSyncs with series, by `namespace/name`, and their outcomes' label values: what forgetting one removes. */
  private readonly outcomesSeen = new Map<string, OutcomesSeen>();

  /** The sync metrics of one reconcile's outcome. */
  recordOutcome(gitsync: GitSyncLabels, outcome: SyncOutcome): void {
    const labels = { namespace: gitsync.namespace, name: gitsync.name };
    this.syncDuration.observe({ ...labels, result: outcome.result }, outcome.durationMs / 1000);
    this.syncTotal.inc({ ...labels, result: outcome.result, reason: outcome.reason });
    this.driftedObjects.set(labels, outcome.driftCorrected ? 0 : outcome.drift.length);
    if (outcome.result === 'Synced' || outcome.result === 'Unchanged') this.lastSuccess.set(labels, Date.now() / 1000);
    this.seenFor(labels).set(`${outcome.result} ${outcome.reason}`, { result: outcome.result, reason: outcome.reason });
  }

  recordFetch(gitsync: GitSyncLabels, seconds: number): void {
    this.gitFetchDuration.observe({ namespace: gitsync.namespace, name: gitsync.name }, seconds);
    this.seenFor(gitsync);
  }

  /**
   * Removes every series of a GitSync this replica no longer reconciles (deleted, or handed to
   * another replica): a gauge left behind would report drift, or an old success, forever.
   */
  forgetGitSync(gitsync: GitSyncLabels): void {
    const labels = { namespace: gitsync.namespace, name: gitsync.name };
    const key = seriesKey(labels);
    const seen = this.outcomesSeen.get(key);
    if (!seen) return;
    this.outcomesSeen.delete(key);
    for (const result of new Set([...seen.values()].map((outcome) => outcome.result))) this.syncDuration.remove({ ...labels, result });
    for (const { result, reason } of seen.values()) this.syncTotal.remove({ ...labels, result, reason });
    this.driftedObjects.remove(labels);
    this.lastSuccess.remove(labels);
    this.gitFetchDuration.remove(labels);
  }

  private seenFor(gitsync: GitSyncLabels): OutcomesSeen {
    const key = seriesKey(gitsync);
    let seen = this.outcomesSeen.get(key);
    if (!seen) this.outcomesSeen.set(key, (seen = new Map()));
    return seen;
  }

  /** A hook for KubeClient.onRequest. */
  recordKubeRequest = (event: RequestEvent): void => {
    this.kubeRequests.inc({ verb: event.verb, code: String(event.status) });
  };
}
