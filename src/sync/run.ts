import type { Logger } from '../log/index.js';
import { silentLogger } from '../log/index.js';
import type { KubeClient } from '../kube/index.js';
import type { ChartSource, GitSource } from '../source/index.js';
import type { HealthSnapshot } from '../health/index.js';
import { syncId, type ApplyEvent, type LiveCache } from '../apply/index.js';
import { HistoryStore, type HistoryCache } from '../history/index.js';
import type { SyncSettings } from './settings.js';
import type { SyncOutcome } from './outcome.js';
import { incompleteHistoryMessage } from './messages.js';
import type { TenancyPolicy } from './tenancy-policy.js';

/** What a reconcile needs from the outside world. */
export interface SyncDeps {
  client: KubeClient;
  /** Git access with its cache; required for git sources. */
  git?: GitSource;
  /** Charts from repositories and registries (default: the process-wide ChartSource). */
  charts?: ChartSource;
  logger?: Logger;
  /** The agent's tenancy rules (absent: the CLI, acting as its user, is bound by none). */
  tenancy?: TenancyPolicy;
  /** Live objects the agent's watches already hold: an unchanged poll reads its objects from here. */
  liveCache?: LiveCache;
  /** The history the agent's watch already holds: an unchanged poll reads its history from here. */
  historyCache?: HistoryCache;
}

/** Progress of one reconcile, for the CLI's progress lines and the agent's logs. */
export type SyncEvent =
  | { type: 'source'; revision: string; changed?: boolean; ref?: string }
  | { type: 'rendered'; count: number }
  | { type: 'apply'; event: ApplyEvent }
  | { type: 'health'; snapshot: HealthSnapshot }
  | { type: 'rollback'; from: string; to: string };

export interface SyncOptions {
  /** Compute and validate everything (server dry-run), write nothing. */
  dryRun?: boolean;
  /**
   * Correct drift even when `selfHeal` is off: someone asked for this sync (`ferry sync`, the
   * UI's "Sync now"). `selfHeal` governs what the agent does on its own, not what a person asks.
   */
  correctDrift?: boolean;
  /** Apply a revision even though it failed before. */
  retryFailedRevision?: boolean;
  /** Apply this history entry (a `ferry rollback --to N` pin) instead of what Git says. */
  pinnedEntry?: number;
  /** Allow prune to delete everything when the render is empty. */
  allowEmpty?: boolean;
  /** Poll interval of health waits (default 2 s). */
  pollIntervalMs?: number;
  /**
   * A Git answer (the ref's commit) at most this old is good enough: GitSyncs on one repository
   * and ref share one refs round trip per poll. Unset: ask the remote now.
   */
  sourceMaxAgeMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: SyncEvent) => void;
  /** The run's place among the agent's concurrent runs: a health wait gives it up while it polls. */
  place?: WaitPlace;
}

/**
 * A place among runs that may go at once (the agent's concurrency). A health wait that is not
 * over at its first look leaves it, so slow rollouts do not hold back other GitSyncs, and comes
 * back (behind no new run) before it writes again.
 */
export interface WaitPlace {
  leave(): void;
  back(): Promise<void>;
}

/** What every step of one reconcile shares: its inputs, where it reports, and when it started. */
export interface ReconcileRun {
  readonly settings: SyncSettings;
  readonly deps: SyncDeps;
  readonly options: SyncOptions;
  /** `<namespace>.<name>`: the sync label every applied object carries. */
  readonly sync: string;
  readonly history: HistoryStore;
  readonly emit: (event: SyncEvent) => void;
  readonly logger: Logger;
  readonly started: number;
  /** The Git ref the fetched revision came from, once known: every outcome reports it. */
  readonly sourceRef?: string;
}

export function beginRun(settings: SyncSettings, deps: SyncDeps, options: SyncOptions): ReconcileRun {
  return {
    settings,
    deps,
    options,
    sync: syncId(settings.namespace, settings.name),
    history: new HistoryStore(deps.client, settings.namespace, settings.name, deps.historyCache),
    emit: options.onEvent ?? (() => {}),
    logger: (deps.logger ?? silentLogger()).child({ gitsync: `${settings.namespace}/${settings.name}` }),
    started: Date.now(),
  };
}

/** The same run, its log lines naming the revision from here on. */
export function withRevision(run: ReconcileRun, revision: string, sourceRef?: string): ReconcileRun {
  return { ...run, logger: run.logger.child({ revision }), ...(sourceRef ? { sourceRef } : {}) };
}

/** What a step that ends the reconcile says; the rest of the outcome has defaults. */
export type OutcomeFields = Omit<SyncOutcome, 'startedAt' | 'durationMs' | 'drift' | 'driftCorrected' | 'inventory' | 'history' | 'changes'> & Partial<SyncOutcome>;

/** The outcome of the run: the step's fields, defaults for the rest, and the run's timing. */
export function finish(run: ReconcileRun, fields: OutcomeFields): SyncOutcome {
  const historyIncomplete = incompleteHistoryMessage(fields.history ?? []);
  return {
    changes: [],
    drift: [],
    driftCorrected: false,
    inventory: [],
    history: [],
    ...(run.sourceRef ? { sourceRef: run.sourceRef } : {}),
    ...(historyIncomplete ? { historyIncomplete } : {}),
    ...fields,
    startedAt: new Date(run.started).toISOString(),
    durationMs: Date.now() - run.started,
  };
}

/** A step either hands its value to the next one or ends the reconcile with an outcome. */
export type Step<T> = { ok: true; value: T } | { ok: false; outcome: SyncOutcome };

export const proceed = <T>(value: T): Step<T> => ({ ok: true, value });
export const stop = (outcome: SyncOutcome): Step<never> => ({ ok: false, outcome });
