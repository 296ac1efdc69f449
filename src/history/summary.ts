/**
 * History summaries: how they are kept in a Secret's labels and annotations (so listing the
 * history reads metadata only, never payloads), and the rules read from them.
 */
import type { ObjectMeta } from '../objects.js';
import { HISTORY_ANNOTATION_PREFIX, HISTORY_NUMBER_LABEL } from '../well-known.js';
import type { HistorySummary } from './entry.js';

const ANNOTATION_PREFIX = HISTORY_ANNOTATION_PREFIX;

/** The newest summary whose result is Succeeded. */
export function findLastGood(summaries: HistorySummary[]): HistorySummary | undefined {
  for (let i = summaries.length - 1; i >= 0; i--) {
    const summary = summaries[i];
    if (summary?.result === 'Succeeded') return summary;
  }
  return undefined;
}

/**
 * True when `revision` was the newest thing tried and failed: it is not applied again until a
 * different revision arrives or the user forces it (no rollback → retry → rollback loops).
 */
export function isKnownFailedRevision(summaries: HistorySummary[], revision: string): boolean {
  for (let i = summaries.length - 1; i >= 0; i--) {
    const summary = summaries[i];
    if (!summary) continue;
    if (summary.action === 'rollback' && summary.rolledBackFrom === revision) return true;
    if (summary.revision === revision) return summary.result === 'Failed';
  }
  return false;
}

export function annotationsOf(summary: HistorySummary): Record<string, string> {
  const annotations: Record<string, string> = {
    [`${ANNOTATION_PREFIX}revision`]: summary.revision,
    [`${ANNOTATION_PREFIX}action`]: summary.action,
    [`${ANNOTATION_PREFIX}result`]: summary.result,
    [`${ANNOTATION_PREFIX}time`]: summary.time,
    [`${ANNOTATION_PREFIX}duration-ms`]: String(Math.round(summary.durationMs)),
    [`${ANNOTATION_PREFIX}message`]: summary.message.slice(0, 1024),
  };
  if (summary.rolledBackFrom) annotations[`${ANNOTATION_PREFIX}rolled-back-from`] = summary.rolledBackFrom;
  if (summary.digest) annotations[`${ANNOTATION_PREFIX}digest`] = summary.digest;
  if (summary.objectsOmittedKiB !== undefined) annotations[`${ANNOTATION_PREFIX}objects-omitted-kib`] = String(summary.objectsOmittedKiB);
  return annotations;
}

export function summaryOf(metadata: ObjectMeta): HistorySummary | undefined {
  const annotations = metadata.annotations ?? {};
  const number = Number(metadata.labels?.[HISTORY_NUMBER_LABEL]);
  const revision = annotations[`${ANNOTATION_PREFIX}revision`];
  const action = annotations[`${ANNOTATION_PREFIX}action`];
  const result = annotations[`${ANNOTATION_PREFIX}result`];
  if (!Number.isInteger(number) || !revision || (action !== 'sync' && action !== 'rollback') || (result !== 'Succeeded' && result !== 'Failed')) {
    return undefined;
  }
  const rolledBackFrom = annotations[`${ANNOTATION_PREFIX}rolled-back-from`];
  const digest = annotations[`${ANNOTATION_PREFIX}digest`];
  const omitted = Number(annotations[`${ANNOTATION_PREFIX}objects-omitted-kib`]);
  return {
    number,
    revision,
    action,
    result,
    time: annotations[`${ANNOTATION_PREFIX}time`] ?? '',
    durationMs: Number(annotations[`${ANNOTATION_PREFIX}duration-ms`] ?? 0),
    message: annotations[`${ANNOTATION_PREFIX}message`] ?? '',
    ...(rolledBackFrom ? { rolledBackFrom } : {}),
    ...(digest ? { digest } : {}),
    ...(Number.isFinite(omitted) && omitted > 0 ? { objectsOmittedKiB: omitted } : {}),
  };
}
