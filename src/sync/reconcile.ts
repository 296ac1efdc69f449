import { createHash } from 'node:crypto';
import type { KubeObject, ObjectRef } from '../objects.js';
import { canonicalJson, formatRef, objectKey, refOf } from '../objects.js';
import { FerryError, describeError } from '../errors.js';
import type { Logger } from '../log/index.js';
import { silentLogger } from '../log/index.js';
import type { KubeClient } from '../kube/index.js';
import { readLocalDirectory, type GitSource, type SourceFile } from '../source/index.js';
import { renderManifests } from '../render/index.js';
import { waitForHealth, type HealthSnapshot, type WaitResult } from '../health/index.js';
import {
  applyObjects,
  describeFailures,
  hasWrites,
  pruneObjects,
  pruneCandidates,
  syncId,
  SYNC_LABEL,
  type ApplyEvent,
  type ApplyResult,
  type ChangeEntry,
} from '../apply/index.js';
import { HistoryStore, isKnownFailedRevision, type HistoryEntry, type HistorySummary } from '../history/index.js';
import type { SyncSettings } from './settings.js';
import { SyncReason, type DriftedObject, type RollbackReport, type SyncOutcome, type SyncResult } from './outcome.js';
import { counted } from '../text.js';

/** What a reconcile needs from the outside world. */
export interface SyncDeps {
  client: KubeClient;
  /** Git access with its cache; required for git sources. */
  git?: GitSource;
  logger?: Logger;
}

/** Progress of one reconcile, for the CLI's progress lines and the agent's logs. */
export type SyncEvent =
  | { type: 'source'; revision: string; changed?: boolean }
  | { type: 'rendered'; count: number }
  | { type: 'apply'; event: ApplyEvent }
  | { type: 'health'; snapshot: HealthSnapshot }
  | { type: 'rollback'; from: string; to: string };

export interface SyncOptions {
  /** Compute and validate everything (server dry-run), write nothing. */
  dryRun?: boolean;
  /** Apply a revision even though it failed before. */
  retryFailedRevision?: boolean;
  /** Apply this history entry (a `ferry rollback --to N` pin) instead of what Git says. */
  pinnedEntry?: number;
  /** Allow prune to delete everything when the render is empty. */
  allowEmpty?: boolean;
  /** Poll interval of health waits (default 2 s). */
  pollIntervalMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: SyncEvent) => void;
}

/** Fetched and rendered input: what Git (or the directory) says the cluster should hold. */
interface Desired {
  revision: string;
  objects: KubeObject[];
}

/**
 * One reconcile of one sync, as a story: fetch the source, render it, decide what to apply
 * (the new revision, the pinned one, or — for a revision that already failed — what is on the
 * cluster now), apply it layer by layer, wait for health, prune, and record history. A revision
 * that fails is rolled back to the last good one. Nothing here loops or schedules: that is the
 * agent's job. Failures never throw: they come back as an outcome with a named reason.
 */
export async function reconcile(settings: SyncSettings, deps: SyncDeps, options: SyncOptions = {}): Promise<SyncOutcome> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  let logger = (deps.logger ?? silentLogger()).child({ gitsync: `${settings.namespace}/${settings.name}` });
  const emit = options.onEvent ?? (() => {});
  const sync = syncId(settings.namespace, settings.name);
  const history = new HistoryStore(deps.client, settings.namespace, settings.name);
  const finish = (partial: Omit<SyncOutcome, 'startedAt' | 'durationMs' | 'drift' | 'driftCorrected' | 'inventory' | 'history' | 'changes'> & Partial<SyncOutcome>): SyncOutcome => ({
    changes: [],
    drift: [],
    driftCorrected: false,
    inventory: [],
    history: [],
    ...partial,
    startedAt,
    durationMs: Date.now() - started,
  });

  // 1. Fetch the source: a failure here changes nothing and prunes nothing.
  let files: SourceFile[];
  let revision: string;
  try {
    ({ files, revision } = await fetchSource(settings, deps, options.signal));
  } catch (error) {
    logger.warn({ err: describeError(error) }, 'source unavailable');
    return finish({ result: 'Failed', reason: SyncReason.SourceUnavailable, message: describeError(error) });
  }
  emit({ type: 'source', revision });
  // From here on, every log line names the revision it is about.
  logger = logger.child({ revision });

  // 2. Render and validate: every problem is reported, nothing is applied.
  let rendered: KubeObject[];
  try {
    rendered = await renderSource(settings, files);
  } catch (error) {
    return finish({ result: 'Failed', reason: SyncReason.RenderFailed, message: describeError(error), revision });
  }
  emit({ type: 'rendered', count: rendered.length });

  // 3. Decide what the cluster should hold.
  let summaries: HistorySummary[];
  let latest: HistoryEntry | undefined;
  try {
    summaries = await history.list();
    const newest = summaries.at(-1);
    latest = newest ? await history.get(newest.number) : undefined;
  } catch (error) {
    return finish({ result: 'Failed', reason: SyncReason.ApplyFailed, message: `cannot read the sync history: ${describeError(error)}`, revision });
  }
  const lastGoodRevision = [...summaries].reverse().find((s) => s.result === 'Succeeded')?.revision;
  let desired: Desired = { revision, objects: rendered };
  let heldBack: SyncReason | undefined;
  if (options.pinnedEntry !== undefined) {
    const pinned = await history.get(options.pinnedEntry).catch(() => undefined);
    if (!pinned) {
      return finish({ result: 'Failed', reason: SyncReason.ApplyFailed, message: `history entry ${options.pinnedEntry} does not exist (see ferry history ${settings.name})`, revision });
    }
    desired = { revision: pinned.revision, objects: pinned.objects };
    heldBack = SyncReason.Pinned;
  } else if (latest && !options.retryFailedRevision && isKnownFailedRevision(summaries, revision)) {
    // The revision already failed: keep what is on the cluster until Git moves on.
    desired = { revision: latest.revision, objects: latest.objects };
    heldBack = SyncReason.KnownFailedRevision;
  }
  const digest = digestOf(desired.objects);
  const isNewRevision = !latest || latest.revision !== desired.revision || (latest.digest !== undefined && latest.digest !== digest);
  const base = latest?.objects ?? [];
  const context = { settings, deps, options, sync, emit, logger };

  // 4. Drift check when nothing new arrived: does the cluster still match what was applied?
  if (!isNewRevision && latest) {
    const check = await runApply(context, desired.objects, base, { diffOnly: true });
    const drift = driftOf(check.entries, latest.objects);
    const inventory = desired.objects.map(refOf);
    const common = { revision, appliedRevision: latest.revision, ...(lastGoodRevision ? { lastGoodRevision } : {}), inventory, history: summaries, drift };
    const held = heldBack === SyncReason.KnownFailedRevision ? { failedRevision: revision } : {};
    if (check.error) return finish({ ...common, ...held, result: 'Failed', reason: SyncReason.ApplyFailed, message: check.error.message, changes: check.entries });
    if (drift.length === 0 && !check.entries.some((e) => e.action !== 'unchanged')) {
      return finish({ ...common, ...held, result: 'Unchanged', reason: heldBack ?? SyncReason.Unchanged, message: unchangedMessage(desired.revision, heldBack, revision), changes: check.entries });
    }
    if (!settings.selfHeal || options.dryRun) {
      return finish({ ...common, ...held, result: options.dryRun ? 'DryRun' : 'Drifted', reason: options.dryRun ? SyncReason.DryRun : SyncReason.DriftDetected, message: driftMessage(drift), changes: check.entries });
    }
    const healed = await runApply(context, desired.objects, base, {});
    if (healed.error) return finish({ ...common, ...held, result: 'Failed', reason: SyncReason.ApplyFailed, message: healed.error.message, changes: healed.entries });
    const health = await waitHealthy(context, healed.entries, desired.objects);
    return finish({
      ...common,
      ...held,
      result: health.healthy ? 'Synced' : 'Failed',
      reason: health.healthy ? SyncReason.DriftCorrected : SyncReason.HealthCheckFailed,
      message: health.healthy ? `corrected drift: ${driftMessage(drift)}` : health.overall.message,
      changes: healed.entries,
      driftCorrected: true,
      health: health.overall,
      healthDetails: health,
    });
  }

  // An empty render is far more often a mistake (a moved directory) than an intent: never let it
  // prune everything, and do not roll back for it either — nothing was touched.
  if (desired.objects.length === 0 && settings.prune && !options.allowEmpty) {
    const prunable = pruneCandidates(base, desired.objects);
    if (prunable.length > 0) {
      return finish({
        result: 'Failed',
        reason: SyncReason.PruneFailed,
        message: `revision ${shortRevision(desired.revision)} renders no objects; refusing to prune all ${prunable.length} objects of the previous revision (fix the sync path, or apply with --allow-empty)`,
        revision,
        ...(latest ? { appliedRevision: latest.revision } : {}),
        ...(lastGoodRevision ? { lastGoodRevision } : {}),
        inventory: base.map(refOf),
        history: summaries,
      });
    }
  }

  // 5. A new revision: apply it in dependency order.
  if (options.dryRun) {
    const planned = await runApply(context, desired.objects, base, { dryRun: true });
    const prunable = settings.prune ? pruneCandidates(base, desired.objects).map(refOf) : [];
    const pruned: ChangeEntry[] = prunable.map((ref) => ({ ref, action: 'deleted', message: 'would be pruned' }));
    return finish({
      result: planned.error ? 'Failed' : 'DryRun',
      reason: planned.error ? SyncReason.ApplyFailed : SyncReason.DryRun,
      message: planned.error?.message ?? `dry run of ${shortRevision(desired.revision)}: nothing written`,
      revision,
      changes: [...planned.entries, ...pruned],
      inventory: desired.objects.map(refOf),
      history: summaries,
    });
  }
  const applied = await runApply(context, desired.objects, base, {});
  let failure: { reason: SyncReason; message: string } | undefined;
  let health: WaitResult | undefined;
  let changes = applied.entries;
  if (applied.error) {
    failure = { reason: SyncReason.ApplyFailed, message: applied.error.message };
  } else {
    // 6. Wait until everything is healthy.
    health = await waitHealthy(context, applied.entries, desired.objects);
    if (!health.healthy) failure = { reason: SyncReason.HealthCheckFailed, message: `revision ${shortRevision(desired.revision)} did not become healthy: ${health.overall.message}` };
  }
  if (!failure && settings.prune) {
    // 7. Prune what left Git, last and in reverse order.
    try {
      const pruned = await pruneObjects(deps.client, {
        sync,
        previous: base,
        desired: desired.objects,
        ...(options.allowEmpty ? { allowEmpty: true } : {}),
        onEvent: (event) => emit({ type: 'apply', event }),
      });
      changes = [...changes, ...pruned];
      if (pruned.some((entry) => entry.action === 'failed')) failure = { reason: SyncReason.PruneFailed, message: describeFailures(pruned) };
    } catch (error) {
      failure = { reason: SyncReason.PruneFailed, message: describeError(error) };
    }
  }
  const durationMs = Date.now() - started;
  const action = heldBack === SyncReason.Pinned ? 'rollback' : 'sync';

  // 8. Record the result; a failed revision is rolled back to the last good one.
  if (!failure) {
    const entry = await recordSafely(history, {
      revision: desired.revision,
      action,
      result: 'Succeeded',
      time: new Date().toISOString(),
      durationMs,
      message: heldBack === SyncReason.Pinned ? `pinned to history entry ${options.pinnedEntry}` : `applied ${counted(countWrites(changes), 'change')}`,
      objects: desired.objects,
      inventory: desired.objects.map((o) => objectKey(refOf(o))),
      digest,
    }, settings.historyLimit, logger);
    return finish({
      result: 'Synced',
      reason: heldBack ?? SyncReason.Synced,
      message: `applied ${shortRevision(desired.revision)}: ${describeCounts(changes)}`,
      revision,
      appliedRevision: desired.revision,
      lastGoodRevision: desired.revision,
      changes,
      ...(health ? { health: health.overall, healthDetails: health } : {}),
      inventory: desired.objects.map(refOf),
      history: entry ? [...summaries, entry] : summaries,
    });
  }

  logger.warn({ desiredRevision: desired.revision, reason: failure.reason, err: failure.message }, 'revision failed');
  const failedEntry = await recordSafely(history, {
    revision: desired.revision,
    action,
    result: 'Failed',
    time: new Date().toISOString(),
    durationMs,
    message: failure.message,
    // The failed revision may be partly applied: it is the base of whatever comes next.
    objects: desired.objects,
    inventory: desired.objects.map((o) => objectKey(refOf(o))),
    digest,
  }, settings.historyLimit, logger);
  const recorded = failedEntry ? [...summaries, failedEntry] : summaries;
  const lastGood = settings.rollback ? await history.lastGood().catch(() => undefined) : undefined;
  const common = {
    revision,
    failedRevision: desired.revision,
    changes,
    ...(health ? { health: health.overall, healthDetails: health } : {}),
    ...(lastGoodRevision ? { lastGoodRevision } : {}),
  };
  if (!lastGood || lastGood.revision === desired.revision) {
    const why = !settings.rollback ? 'rollback is disabled' : 'no earlier good revision to roll back to';
    return finish({ ...common, result: 'Failed', reason: failure.reason, message: `${failure.message} (${why})`, appliedRevision: desired.revision, inventory: desired.objects.map(refOf), history: recorded });
  }

  // 9. Roll back: the failed revision is the base, so what it added is removed again.
  emit({ type: 'rollback', from: desired.revision, to: lastGood.revision });
  const rollback = await rollBack(context, history, { failed: desired, lastGood, previous: base, reason: failure.message });
  return finish({
    ...common,
    result: rollback.succeeded ? 'RolledBack' : 'Failed',
    reason: rollback.succeeded ? SyncReason.RolledBack : SyncReason.RollbackFailed,
    message: rollback.succeeded
      ? `revision ${shortRevision(desired.revision)} failed (${failure.message}); rolled back to ${shortRevision(lastGood.revision)}`
      : `revision ${shortRevision(desired.revision)} failed (${failure.message}) and the rollback to ${shortRevision(lastGood.revision)} failed too: ${rollback.message}`,
    appliedRevision: lastGood.revision,
    lastGoodRevision: rollback.succeeded ? lastGood.revision : lastGoodRevision ?? lastGood.revision,
    rollback: rollback.report,
    inventory: lastGood.objects.map(refOf),
    history: rollback.entry ? [...recorded, rollback.entry] : recorded,
  });
}

interface ReconcileContext {
  settings: SyncSettings;
  deps: SyncDeps;
  options: SyncOptions;
  sync: string;
  emit: (event: SyncEvent) => void;
  logger: Logger;
}

function runApply(context: ReconcileContext, desired: KubeObject[], base: KubeObject[], mode: { dryRun?: boolean; diffOnly?: boolean }): Promise<ApplyResult> {
  const { settings, deps, options, sync, emit } = context;
  return applyObjects(deps.client, {
    sync,
    desired,
    base,
    force: settings.force,
    ignore: settings.ignore,
    dependencyTimeoutMs: settings.healthTimeoutMs,
    ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...mode,
    onEvent: (event) => emit({ type: 'apply', event }),
  });
}

/** Waits for every applied object, listing each kind once per poll, narrowed by the sync label. */
async function waitHealthy(context: ReconcileContext, entries: ChangeEntry[], objects: KubeObject[]): Promise<WaitResult> {
  const { settings, deps, options, sync, emit } = context;
  const refs: ObjectRef[] = objects.map((object) => refOf(object));
  void entries;
  return waitForHealth(deps.client, refs, {
    timeoutMs: settings.healthTimeoutMs,
    intervalMs: options.pollIntervalMs ?? 2000,
    labelSelector: `${SYNC_LABEL}=${sync}`,
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (snapshot) => emit({ type: 'health', snapshot }),
  });
}

async function rollBack(
  context: ReconcileContext,
  history: HistoryStore,
  input: { failed: Desired; lastGood: HistoryEntry; previous: KubeObject[]; reason: string },
): Promise<{ succeeded: boolean; message: string; report: RollbackReport; entry?: HistorySummary }> {
  const { settings, deps, sync, logger, emit } = context;
  const started = Date.now();
  const { failed, lastGood } = input;
  const applied = await runApply(context, lastGood.objects, failed.objects, {});
  let changes = applied.entries;
  let message = applied.error?.message ?? '';
  let health: WaitResult | undefined;
  if (!applied.error) {
    health = await waitHealthy(context, applied.entries, lastGood.objects);
    if (!health.healthy) message = health.overall.message;
    if (settings.prune) {
      // Remove what the failed revision (or the one before it) added that the good one lacks.
      const previous = mergeByKey(input.previous, failed.objects);
      try {
        const pruned = await pruneObjects(deps.client, { sync, previous, desired: lastGood.objects, allowEmpty: true, onEvent: (event) => emit({ type: 'apply', event }) });
        changes = [...changes, ...pruned];
      } catch (error) {
        message = describeError(error);
      }
    }
  }
  const succeeded = !applied.error && Boolean(health?.healthy);
  const entry = await recordSafely(history, {
    revision: lastGood.revision,
    action: 'rollback',
    result: succeeded ? 'Succeeded' : 'Failed',
    time: new Date().toISOString(),
    durationMs: Date.now() - started,
    message: succeeded ? `rolled back from ${shortRevision(failed.revision)}: ${input.reason}` : message,
    objects: lastGood.objects,
    inventory: lastGood.inventory,
    rolledBackFrom: failed.revision,
    ...(lastGood.digest ? { digest: lastGood.digest } : {}),
  }, settings.historyLimit, logger);
  const report: RollbackReport = {
    from: failed.revision,
    to: lastGood.revision,
    changes,
    succeeded,
    message: succeeded ? `rolled back to ${shortRevision(lastGood.revision)}` : message,
    ...(health ? { health } : {}),
  };
  return { succeeded, message, report, ...(entry ? { entry } : {}) };
}

/**
 * Fetches the sync's source: every file of the revision (a kustomization under the sync path may
 * use bases elsewhere in the repository; render picks the path) and the revision they are at.
 */
export async function fetchSource(settings: SyncSettings, deps: Pick<SyncDeps, 'git'>, signal?: AbortSignal): Promise<{ files: SourceFile[]; revision: string }> {
  const source = settings.source;
  if (source.type === 'directory') return readLocalDirectory(source.dir);
  if (!deps.git) throw new FerryError('SYNC_NO_GIT', 'no Git client configured for a git source');
  const fetched = await deps.git.fetch(source.url, source.ref, source.credentials, signal);
  const files = await deps.git.readFiles(source.url, fetched.commit);
  return { files, revision: fetched.commit };
}

/** Renders fetched files into validated objects, as the sync's render settings say. */
export async function renderSource(settings: SyncSettings, files: SourceFile[]): Promise<KubeObject[]> {
  const result = await renderManifests({
    files,
    path: settings.source.path ?? '.',
    type: settings.renderType,
    substitute: settings.substitute,
    ...(settings.targetNamespace ? { targetNamespace: settings.targetNamespace } : {}),
  });
  return result.objects.map((item) => item.object);
}

/** Objects that were applied before and whose live state no longer matches: drift. */
function driftOf(entries: ChangeEntry[], applied: KubeObject[]): DriftedObject[] {
  const appliedKeys = new Set(applied.map((object) => objectKey(refOf(object))));
  const drift: DriftedObject[] = [];
  for (const entry of entries) {
    if (!appliedKeys.has(objectKey(entry.ref)) || !entry.diff) continue;
    if (entry.diff.action === 'create') drift.push({ ref: entry.ref, change: 'deleted', paths: [] });
    else if (entry.diff.action === 'changed') drift.push({ ref: entry.ref, change: 'changed', paths: entry.diff.paths });
  }
  return drift;
}

async function recordSafely(
  history: HistoryStore,
  entry: Omit<HistoryEntry, 'number'>,
  limit: number,
  logger: Logger,
): Promise<HistorySummary | undefined> {
  try {
    return await history.record(entry, limit);
  } catch (error) {
    // The cluster state is what it is; a history write failure must not turn it into a rollback.
    logger.error({ err: describeError(error), entryRevision: entry.revision }, 'could not record history entry');
    return undefined;
  }
}

/** A stable hash of the rendered objects, independent of their order. */
export function digestOf(objects: KubeObject[]): string {
  const hashes = objects.map((object) => createHash('sha256').update(canonicalJson(object)).digest('hex')).sort();
  return `sha256:${createHash('sha256').update(hashes.join('\n')).digest('hex').slice(0, 16)}`;
}

function mergeByKey(a: KubeObject[], b: KubeObject[]): KubeObject[] {
  const byKey = new Map<string, KubeObject>();
  for (const object of [...a, ...b]) byKey.set(objectKey(refOf(object)), object);
  return [...byKey.values()];
}

/** `3f2a9c1` for a commit SHA, the hash itself for a directory digest. */
export function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 7) : revision;
}

function countWrites(entries: ChangeEntry[]): number {
  return entries.filter((entry) => hasWrites([entry])).length;
}

function describeCounts(entries: ChangeEntry[]): string {
  const count = (action: string) => entries.filter((entry) => entry.action === action).length;
  return `${count('created')} created, ${count('configured')} configured, ${count('recreated')} recreated, ${count('deleted')} pruned, ${count('unchanged')} unchanged`;
}

function driftMessage(drift: DriftedObject[]): string {
  const shown = drift.slice(0, 3).map((d) => `${formatRef(d.ref)} ${d.change === 'deleted' ? 'deleted' : `(${d.paths.slice(0, 3).join(', ')})`}`);
  return `${counted(drift.length, 'object')} drifted from Git: ${shown.join('; ')}${drift.length > 3 ? ` and ${drift.length - 3} more` : ''}`;
}

function unchangedMessage(applied: string, heldBack: SyncReason | undefined, revision: string): string {
  if (heldBack === SyncReason.KnownFailedRevision) return `revision ${shortRevision(revision)} failed before; holding ${shortRevision(applied)} until Git moves on`;
  if (heldBack === SyncReason.Pinned) return `pinned to ${shortRevision(applied)}; run ferry resume to follow Git again`;
  return `in sync with ${shortRevision(applied)}`;
}

export type { SyncResult };
