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
