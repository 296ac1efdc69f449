import type { KubeObject } from '../objects.js';
import { describeError } from '../errors.js';
import { findLastGood, isKnownFailedRevision, sealSecrets, type HistoryEntry, type HistorySummary } from '../history/index.js';
import { SyncReason } from './outcome.js';
import { digestOf } from './digest.js';
import { shortRevision } from './messages.js';
import { finish, proceed, stop, type ReconcileRun, type Step } from './run.js';
import type { RenderedRevision } from './render-source.js';
import { readBackEntry } from './read-back.js';

/** What the cluster should hold after this reconcile. */
export interface Desired {
  revision: string;
  objects: KubeObject[];
  /** digestOf(objects): tells a re-render of the same commit with other inputs apart. */
  digest: string;
  /** Where Git defines each object (`file:line` by object key), when `desired` is what Git renders. */
  sources?: ReadonlyMap<string, string>;
}

/** Why the reconcile applies something other than what Git says. */
export type HeldBack = typeof SyncReason.Pinned | typeof SyncReason.KnownFailedRevision;

/** The decide step's answer: what to apply, against which base, and whether it is new. */
export type Decision = DecisionFields &
  (
    | { isNew: true; latest?: HistoryEntry }
    /** The cluster already holds `desired`: only drift is left to check. */
    | { isNew: false; latest: HistoryEntry }
  );

interface DecisionFields {
  /** The revision the source resolved to. */
  revision: string;
  desired: Desired;
  /** Set when `desired` is a pinned history entry or what the cluster holds, not Git's revision. */
  heldBack?: HeldBack;
  /**
   * The failed revision whose rollback was cut short (cancelled, or the process died): `desired`
   * is then the last good revision, and applying it finishes that rollback.
   */
  resumesRollbackFrom?: string;
  /** The newest history entry: what ferry applied last (undefined before the first sync). */
  latest?: HistoryEntry;
  /** The three-way base: the objects of `latest`. */
  base: KubeObject[];
  /** Every history entry's summary, oldest first. */
  summaries: HistorySummary[];
  lastGoodRevision?: string;
}

/**
 * The decide step: the new revision, the pinned history entry (`ferry rollback`), or — for a
 * revision that already failed — what the cluster holds now, until Git moves on.
 */
export async function decide(run: ReconcileRun, rendered: RenderedRevision): Promise<Step<Decision>> {
  const { options, history, settings } = run;
  const { revision } = rendered;
  let summaries: HistorySummary[];
  let latest: HistoryEntry | undefined;
  try {
    summaries = await history.list();
    const newest = summaries.at(-1);
    latest = newest ? await history.get(newest.number) : undefined;
  } catch (error) {
    return stop(finish(run, { result: 'Failed', reason: SyncReason.ApplyFailed, message: `cannot read the sync history: ${describeError(error)}`, revision }));
  }
  latest = latest && withRenderedObjects(latest, rendered);
  const lastGoodRevision = [...summaries].reverse().find((s) => s.result === 'Succeeded')?.revision;
  let chosen: { revision: string; objects: KubeObject[]; sources?: ReadonlyMap<string, string>; heldBack?: HeldBack; resumesRollbackFrom?: string } = rendered;
  if (options.pinnedEntry !== undefined) {
    const pinned = await history.get(options.pinnedEntry).catch(() => undefined);
    if (!pinned) {
      return stop(finish(run, { result: 'Failed', reason: SyncReason.ApplyFailed, message: `history entry ${options.pinnedEntry} does not exist (see ferry history ${settings.name})`, revision }));
    }
    // History keeps Secrets as digests: their values come from the pinned revision in Git again.
    const restored = await readBackEntry(run, pinned, rendered);
    if (!restored.ok) {
      return stop(finish(run, { result: 'Failed', reason: SyncReason.RollbackFailed, message: `cannot roll back to history entry ${options.pinnedEntry} (nothing was changed): ${restored.message}`, revision }));
    }
    chosen = { revision: pinned.revision, objects: restored.objects, heldBack: SyncReason.Pinned };
  } else if (latest && !options.retryFailedRevision && isKnownFailedRevision(summaries, revision)) {
    // The revision already failed: keep what is on the cluster until Git moves on — unless its
    // rollback never finished, which would leave the failed revision in place for good.
    const interrupted = settings.rollback ? unfinishedRollback(summaries, latest) : undefined;
    const lastGood = interrupted ? await history.get(interrupted.number).catch(() => undefined) : undefined;
    const kept = lastGood ?? latest;
    const restored = await readBackEntry(run, kept, rendered);
    if (!restored.ok) {
      const what = lastGood ? `cannot finish the rollback to ${shortRevision(kept.revision)} (nothing was changed)` : `cannot keep revision ${shortRevision(kept.revision)} in place`;
      return stop(finish(run, { result: 'Failed', reason: lastGood ? SyncReason.RollbackFailed : SyncReason.KnownFailedRevision, message: `${what}: ${restored.message}`, revision }));
    }
    chosen = lastGood
      ? { revision: lastGood.revision, objects: restored.objects, heldBack: SyncReason.KnownFailedRevision, resumesRollbackFrom: latest.revision }
      : { revision: latest.revision, objects: restored.objects, heldBack: SyncReason.KnownFailedRevision };
  }
  const desired: Desired = { revision: chosen.revision, objects: chosen.objects, digest: digestOf(chosen.objects), ...(chosen.sources ? { sources: chosen.sources } : {}) };
  const fields: DecisionFields = {
    revision,
    desired,
    ...(chosen.heldBack ? { heldBack: chosen.heldBack } : {}),
    ...(chosen.resumesRollbackFrom ? { resumesRollbackFrom: chosen.resumesRollbackFrom } : {}),
    base: latest?.objects ?? [],
    summaries,
    ...(lastGoodRevision ? { lastGoodRevision } : {}),
  };
  // An explicit retry of a revision whose failure is still what the cluster holds (no rollback
  // followed) applies it again and waits for its health, instead of only checking for drift.
  const retriesFailure = options.retryFailedRevision === true && latest?.result === 'Failed';
  if (latest && !retriesFailure && latest.revision === desired.revision && (latest.digest === undefined || latest.digest === desired.digest)) {
    return proceed({ ...fields, isNew: false, latest });
  }
  return proceed({ ...fields, isNew: true, ...(latest ? { latest } : {}) });
}

/**
 * An entry kept without its objects (they did not fit in a history Secret) has them back when Git
 * renders its revision to the same digest: they are what was applied, sealed as history keeps
 * them. The unchanged polls after such a revision then see it recorded and apply nothing.
 */
function withRenderedObjects(entry: HistoryEntry, rendered: RenderedRevision): HistoryEntry {
  if (entry.objectsOmittedKiB === undefined || entry.revision !== rendered.revision || entry.digest !== digestOf(rendered.objects)) return entry;
  const { objectsOmittedKiB: _omitted, ...whole } = entry;
  return { ...whole, objects: sealSecrets(rendered.objects) };
}

/**
 * A failed sync is followed by its rollback entry when there was a good revision to go back to;
 * when it is still the newest entry, the rollback was cut short. Returns where it was going.
 */
function unfinishedRollback(summaries: HistorySummary[], latest: HistoryEntry): HistorySummary | undefined {
  if (latest.action !== 'sync' || latest.result !== 'Failed') return undefined;
  const lastGood = findLastGood(summaries);
  return lastGood && lastGood.revision !== latest.revision ? lastGood : undefined;
}
