import type { KubeObject } from '../objects.js';
import { isJsonObject } from '../objects.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/index.js';
import { scrubSecrets } from '../log/index.js';
import type { KubeClient } from '../kube/index.js';
import type { GitSource } from '../source/index.js';
import type { LiveCache } from '../apply/index.js';
import { HistoryStore, type HistoryCache } from '../history/index.js';
import {
  reconcile,
  refuseByPolicy,
  resolveSyncInputs,
  settingsFromGitSync,
  shortRevision,
  syncIdentity,
  SyncReason,
  TenancyRefusalError,
  type SyncOutcome,
  type SyncSettings,
  type TenancyPolicy,
  type WaitPlace,
} from '../sync/index.js';
import type { AgentMetrics } from './metrics.js';
import type { RequestSnapshot } from './requests.js';

export interface RunSyncDeps {
  client: KubeClient;
  git: GitSource;
  logger: Logger;
  metrics: AgentMetrics;
  /** Poll interval of health waits (default 2 s). */
  healthPollMs?: number;
  /** The agent's multi-tenancy rules. */
  tenancy: TenancyPolicy;
  /** The managed-object watches' cache: live state of what the GitSync applied before. */
  liveCache?: LiveCache;
  /** The history watch's cache: what the GitSync's history Secrets hold. */
  historyCache?: HistoryCache;
}

/** One reconcile as the agent ran it. */
export interface SyncRun {
  /** Absent when the GitSync's spec or inputs could not be read. */
  settings?: SyncSettings;
  /** Its message is scrubbed of the sync's secret values. */
  outcome: SyncOutcome;
  /** `entry N (abc1234)` while `ferry.dev/rollback-to` pins a history entry. */
  pinnedRevision?: string;
}

/**
 * Reconciles one GitSync: reads its settings, holds them to the agent's tenancy rules (source
 * scheme, cross-namespace references), reads the Secrets they name, resolves a `ferry rollback`
 * pin, and runs src/sync's reconcile — all of it, from the first read to the last prune, as the
 * sync's identity (its service account through impersonation, or the agent itself). Status and
 * events stay the agent's own writes (the caller's). Never throws: a failure before the reconcile
 * could start (a bad spec, a missing Secret, a refusal) is a Failed outcome too.
 */
export interface RunSyncOptions {
  /**
   * Share the Git answer of other GitSyncs on the same repository and ref (a poll) when it was
   * asked at most one interval before this poll was due: `lateMs` after it, when the queue fell
   * behind, widens the window by as much, so a busy agent shares more rather than asking Git once
   * per GitSync. Off for a run someone asked for (a webhook, a spec change).
   */
  shareSource?: { lateMs: number };
  /** The run's place among the agent's concurrent runs: its health wait gives it up meanwhile. */
  place?: WaitPlace;
}

export async function runSync(deps: RunSyncDeps, gitsync: KubeObject, request: RequestSnapshot, signal: AbortSignal, options: RunSyncOptions = {}): Promise<SyncRun> {
  const namespace = gitsync.metadata.namespace ?? 'default';
  const name = gitsync.metadata.name;
  const started = Date.now();
  let settings: SyncSettings | undefined;
  let outcome: SyncOutcome;
  let pinnedRevision: string | undefined;
  let secretValues: string[] = [];
  try {
    const read = settingsFromGitSync(gitsync);
    const refusal = refuseByPolicy(read, deps.tenancy);
    // A refused GitSync sends no alerts through destinations it may not name.
    if (refusal) settings = { ...read, notify: refusal.reason === SyncReason.CrossNamespaceRefRefused ? [] : read.notify };
    if (refusal) throw refusal;
    const identity = syncIdentity(read, deps.tenancy);
    const client = identity ? deps.client.impersonate(identity) : deps.client;
    ({ settings, secretValues } = await resolveSyncInputs(client, read));
    const pin = request.rollbackTo ? await resolvePin(new HistoryStore(client, namespace, name, deps.historyCache), request.rollbackTo) : undefined;
    pinnedRevision = pin ? `entry ${pin.number} (${shortRevision(pin.revision)})` : undefined;
    const labels = { namespace, name };
    const status = isJsonObject(gitsync.status) ? gitsync.status : {};
    // A request no run has handled yet: someone asked for this sync, so drift is corrected even with self-heal off.
    const asked = request.requestedAt !== undefined && request.requestedAt !== status.lastHandledRequestedAt;
    const caches = { ...(deps.liveCache ? { liveCache: deps.liveCache } : {}), ...(deps.historyCache ? { historyCache: deps.historyCache } : {}) };
    outcome = await reconcile(settings, { client, git: deps.git, logger: deps.logger, tenancy: deps.tenancy, ...caches }, {
      signal,
      onEvent: (event) => {
        if (event.type === 'source') deps.metrics.recordFetch(labels, (Date.now() - started) / 1000);
      },
      ...(pin ? { pinnedEntry: pin.number } : {}),
      ...(asked ? { correctDrift: true } : {}),
      ...(options.shareSource && !asked ? { sourceMaxAgeMs: settings.intervalMs + options.shareSource.lateMs } : {}),
      ...(deps.healthPollMs ? { pollIntervalMs: deps.healthPollMs } : {}),
      ...(options.place ? { place: options.place } : {}),
    });
  } catch (error) {
    outcome = failedOutcome(error, started);
  }
  outcome = { ...outcome, message: scrubSecrets(outcome.message, secretValues) };
  return { outcome, ...(settings ? { settings } : {}), ...(pinnedRevision ? { pinnedRevision } : {}) };
}

/** `ferry.dev/rollback-to`: a history entry number, or a commit SHA (its newest good entry). */
async function resolvePin(history: HistoryStore, value: string): Promise<{ number: number; revision: string }> {
  const summaries = await history.list();
  const match = /^\d+$/.test(value)
    ? summaries.find((s) => s.number === Number(value))
    : [...summaries].reverse().find((s) => s.result === 'Succeeded' && s.revision.startsWith(value));
  return match ? { number: match.number, revision: match.revision } : { number: Number.isNaN(Number(value)) ? -1 : Number(value), revision: value };
}

/** An outcome for failures before reconcile could start (a bad spec, a missing Secret). */
function failedOutcome(error: unknown, started: number): SyncOutcome {
  const message = describeError(error);
  const code = (error as { code?: string }).code ?? '';
  return {
    result: 'Failed',
    reason: error instanceof TenancyRefusalError ? error.reason : code.startsWith('SYNC_') ? SyncReason.SourceUnavailable : SyncReason.ApplyFailed,
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
