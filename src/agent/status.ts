/**
 * GitSync status from a sync outcome: pure functions, so what the agent writes is specified by
 * unit tests. Conditions keep their lastTransitionTime unless their status flips.
 */
import { formatRef, isJsonObject } from '../objects.js';
import { isFailedRevision, readStatusInventory, statusInventory, type InventorySummary, type StatusInventory, type SyncOutcome } from '../sync/index.js';

export interface Condition {
  type: 'Ready' | 'Healthy' | 'Drifted' | 'Stalled';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration: number;
}

export interface GitSyncStatus {
  observedGeneration: number;
  conditions: Condition[];
  lastAttemptedRevision?: string;
  /** The Git ref the last fetch resolved (`refs/heads/master` when spec.source.ref is unset: the remote's HEAD). */
  resolvedRef?: string;
  lastAppliedRevision?: string;
  lastGoodRevision?: string;
  failedRevision?: string;
  health: string;
  lastSyncTime: string;
  lastSyncResult: string;
  lastHandledRequestedAt?: string;
  pinnedRevision?: string;
  /** Every managed object, up to STATUS_INVENTORY_LIMIT of them; beyond, `inventorySummary` instead. */
  inventory?: string[];
  inventorySummary?: InventorySummary;
  drift: { count: number; objects: Array<{ ref: string; change: string; paths: string[] }> };
  history: Array<{ number: number; revision: string; action: string; result: string; time: string; durationMs: number; message: string }>;
  [key: string]: unknown;
}

const MAX_DRIFT_OBJECTS = 20;
const MAX_HISTORY = 5;
const MAX_MESSAGE = 1024;

export interface StatusInput {
  previous: Record<string, unknown> | undefined;
  outcome: SyncOutcome;
  generation: number;
  now: string;
  requestedAt?: string;
  pinnedRevision?: string;
}

/** The status to write after a reconcile. */
export function statusFromOutcome(input: StatusInput): GitSyncStatus {
  const { outcome, previous, generation, now } = input;
  const prior = previousConditions(previous);
  const failed = outcome.result === 'Failed' || outcome.result === 'RolledBack';
  const keep = (key: string) => (typeof previous?.[key] === 'string' ? (previous[key] as string) : undefined);
  const condition = (type: Condition['type'], status: Condition['status'], reason: string, message: string): Condition => {
    const before = prior.find((c) => c.type === type);
    return {
      type,
      status,
      reason,
      message: message.slice(0, MAX_MESSAGE),
      lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now,
      observedGeneration: generation,
    };
  };
  const healthStatus = outcome.health?.status ?? (failed ? 'Unknown' : (keep('health') ?? 'Unknown'));
  const driftCount = outcome.driftCorrected ? 0 : outcome.drift.length;
  // A poll that found nothing to do keeps saying Synced: the condition only moves when something happens.
  const readyReason = outcome.reason === 'Unchanged' ? 'Synced' : outcome.reason;
  const conditions: Condition[] = [
    // A cancelled reconcile (shutdown, a lost Lease) neither failed nor finished: Unknown until the next one.
    // Holding back a revision that failed before is not Ready either: Git's revision is not applied.
    condition('Ready', isFailedRevision(outcome) ? 'False' : outcome.result === 'Cancelled' ? 'Unknown' : 'True', readyReason, outcome.message),
    condition(
      'Healthy',
      healthStatus === 'Healthy' ? 'True' : healthStatus === 'Unknown' ? 'Unknown' : 'False',
      healthStatus,
      outcome.health?.message ?? (healthStatus === 'Unknown' ? 'health not checked in this sync' : 'all objects are healthy'),
    ),
    condition('Drifted', driftCount > 0 ? 'True' : 'False', driftCount > 0 ? 'DriftDetected' : outcome.driftCorrected ? 'DriftCorrected' : 'NoDrift', driftCount > 0 ? outcome.message : outcome.driftCorrected ? outcome.message : 'the cluster matches Git'),
    stalledCondition(outcome, condition),
  ];
  const status: GitSyncStatus = {
    observedGeneration: generation,
    conditions,
    health: healthStatus,
    lastSyncTime: now,
    lastSyncResult: outcome.result,
    ...inventoryFields(outcome.inventory.length > 0 || outcome.result !== 'Failed' ? statusInventory(outcome.inventory, outcome.appliedRevision ?? keep('lastAppliedRevision')) : readStatusInventory(previous)),
    drift: {
      count: driftCount,
      objects: (outcome.driftCorrected ? [] : outcome.drift).slice(0, MAX_DRIFT_OBJECTS).map((d) => ({ ref: formatRef(d.ref), change: d.change, paths: d.paths.slice(0, 10) })),
    },
    history: outcome.history.slice(-MAX_HISTORY).reverse().map((h) => ({ number: h.number, revision: h.revision, action: h.action, result: h.result, time: h.time, durationMs: Math.round(h.durationMs), message: h.message.slice(0, 256) })),
  };
  const attempted = outcome.revision ?? keep('lastAttemptedRevision');
  const applied = outcome.appliedRevision ?? keep('lastAppliedRevision');
  const good = outcome.lastGoodRevision ?? keep('lastGoodRevision');
  const failedRevision = outcome.failedRevision ?? (outcome.result === 'Synced' ? undefined : keep('failedRevision'));
  if (attempted) status.lastAttemptedRevision = attempted;
  const resolvedRef = outcome.sourceRef ?? keep('resolvedRef');
  if (resolvedRef) status.resolvedRef = resolvedRef;
  if (applied) status.lastAppliedRevision = applied;
  if (good) status.lastGoodRevision = good;
  if (failedRevision) status.failedRevision = failedRevision;
  const requested = input.requestedAt ?? keep('lastHandledRequestedAt');
  if (requested) status.lastHandledRequestedAt = requested;
  if (input.pinnedRevision) status.pinnedRevision = input.pinnedRevision;
  return status;
}

/** Reasons that need someone to act before a sync can make progress. */
const STALLED_REASONS = new Set<string>(['RenderFailed', 'KnownFailedRevision', 'RollbackFailed', 'NameTooLong', 'SourceURLRefused', 'CrossNamespaceRefRefused', 'TargetNamespaceRefused']);

/** Stalled: the outcome's reason needs a person, or the history entry could not be written (or not in full). */
function stalledCondition(outcome: SyncOutcome, condition: (type: Condition['type'], status: Condition['status'], reason: string, message: string) => Condition): Condition {
  if (STALLED_REASONS.has(outcome.reason)) {
    const message = outcome.reason === 'RenderFailed' ? 'the revision cannot be rendered; push a fix to Git' : outcome.reason === 'RollbackFailed' ? '' : outcome.message;
    return condition('Stalled', 'True', outcome.reason, message);
  }
  // The cluster state stands, but the next sync's base and the rollback target may be stale.
  if (outcome.historyError) return condition('Stalled', 'True', 'HistoryWriteFailed', outcome.historyError);
  if (outcome.historyIncomplete) return condition('Stalled', 'True', 'HistoryIncomplete', outcome.historyIncomplete);
  return condition('Stalled', 'False', 'Progressing', '');
}

/**
 * Whether writing `next` over `previous` is worth a request: anything but the sync time changed,
 * or the recorded time is getting old (so `ferry status` still shows a recent sync).
 */
export function statusChanged(previous: Record<string, unknown> | undefined, next: GitSyncStatus, refreshAfterMs = 5 * 60_000): boolean {
  if (!previous) return true;
  const strip = (status: Record<string, unknown>) => JSON.stringify({ ...status, lastSyncTime: undefined, pinnedRevision: status.pinnedRevision ?? null });
  if (strip(previous) !== strip(next)) return true;
  const last = Date.parse(String(previous.lastSyncTime ?? ''));
  return Number.isNaN(last) || Date.parse(next.lastSyncTime) - last >= refreshAfterMs;
}

function previousConditions(previous: Record<string, unknown> | undefined): Condition[] {
  return Array.isArray(previous?.conditions) ? (previous.conditions.filter(isJsonObject) as unknown as Condition[]) : [];
}

/** The status fields of an inventory: the list, or its summary. */
function inventoryFields(inventory: StatusInventory | undefined): Pick<GitSyncStatus, 'inventory' | 'inventorySummary'> {
  if (!inventory) return { inventory: [] };
  return 'entries' in inventory ? { inventory: inventory.entries } : { inventorySummary: inventory.summary };
}
