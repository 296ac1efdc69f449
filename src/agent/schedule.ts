import { CronTime } from 'cron';

/** The next interval-driven run: `interval` after the end of the last, plus up to 10% jitter so syncs spread out. */
export function nextIntervalRun(endedAt: number, intervalMs: number, random: () => number = Math.random): number {
  return endedAt + intervalMs + Math.floor(intervalMs * 0.1 * random());
}

/** The next run of a cron schedule after `after`. */
export function nextCronRun(expression: string, after: number, timeZone?: string): number {
  const time = new CronTime(expression, timeZone);
  const next = time.getNextDateFrom(new Date(after));
  return next.toMillis();
}

/** Capped exponential backoff after `failures` failed syncs in a row. */
export function failureBackoff(failures: number, baseMs = 10_000, maxMs = 5 * 60_000): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
}

/** What one run says about the next: whether it failed, and the GitSync's interval or cron schedule. */
export interface RunVerdict {
  failed: boolean;
  /** The run was cancelled (shutdown, lost leadership): due again at once, whenever runs start again. */
  cancelled?: boolean;
  intervalMs: number;
  schedule?: string;
}

/**
 * When a GitSync runs next after a run that ended at `endedAt`: a cancelled run at once (when
 * runs start again), failures back off exponentially
 * (never longer than the interval), otherwise the cron schedule (an invalid one falls back to
 * the interval) or the jittered interval.
 */
export function nextRunAfter(verdict: RunVerdict, endedAt: number, failures: number, failureBackoffMs = 10_000): number {
  if (verdict.cancelled) return endedAt;
  if (verdict.failed) return endedAt + Math.min(verdict.intervalMs, failureBackoff(failures, failureBackoffMs));
  if (verdict.schedule) {
    try {
      return nextCronRun(verdict.schedule, endedAt);
    } catch {
      // settings validate the expression; a run of an older spec may still carry a bad one
    }
  }
  return nextIntervalRun(endedAt, verdict.intervalMs);
}
