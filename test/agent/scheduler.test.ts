import { describe, expect, it } from 'vitest';
import { SyncScheduler } from '../../src/agent/scheduler.js';
import type { RunVerdict } from '../../src/agent/schedule.js';
import { eventually } from '../support/cluster.js';

/** A scheduler whose runs are recorded and end when the test says so. */
function recordingScheduler(options: { concurrency?: number; failureBackoffMs?: number; verdict?: (key: string) => RunVerdict | undefined; holdRuns?: boolean } = {}) {
  const started: Array<{ key: string; at: number }> = [];
  const running = new Map<string, () => void>();
  let maxAtOnce = 0;
  let overlaps = 0;
  const scheduler = new SyncScheduler({
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.failureBackoffMs ? { failureBackoffMs: options.failureBackoffMs } : {}),
    mayStart: () => true,
    run: async (key) => {
      if (running.has(key)) overlaps++;
      started.push({ key, at: Date.now() });
      if (options.holdRuns) await new Promise<void>((resolve) => running.set(key, resolve));
      else running.set(key, () => undefined);
      maxAtOnce = Math.max(maxAtOnce, running.size);
      running.delete(key);
      return options.verdict ? options.verdict(key) : { failed: false, intervalMs: 3_600_000 };
    },
  });
  return {
    scheduler,
    started,
    runsOf: (key: string) => started.filter((s) => s.key === key).length,
    finish: (key: string) => running.get(key)?.(),
    isHeld: (key: string) => running.has(key),
    maxAtOnce: () => maxAtOnce,
    /** Runs of a key that started while another run of it was going on: always 0. */
    overlaps: () => overlaps,
  };
}

describe('SyncScheduler', () => {
  it('runs every new key once, never more at once than the concurrency allows', async () => {
    const bed = recordingScheduler({ concurrency: 2, holdRuns: true });
    bed.scheduler.start();
    for (const key of ['a/1', 'a/2', 'a/3', 'a/4']) bed.scheduler.track(key);
    bed.scheduler.startDue();
    await eventually(() => bed.started.length === 2);
    bed.finish('a/1');
    bed.finish('a/2');
    await eventually(() => bed.started.length === 4);
    bed.finish('a/3');
    bed.finish('a/4');
    await bed.scheduler.idle();
    expect(bed.started.map((s) => s.key)).toEqual(['a/1', 'a/2', 'a/3', 'a/4']);
    expect(bed.maxAtOnce()).toBe(2);
    expect(bed.overlaps()).toBe(0);
    await bed.scheduler.stop(0);
  });

  it('gives a request that arrives during a run exactly one follow-up run', async () => {
    const bed = recordingScheduler({ holdRuns: true });
    bed.scheduler.start();
    bed.scheduler.track('a/1');
    bed.scheduler.startDue();
    await eventually(() => bed.isHeld('a/1'));
    bed.scheduler.runSoon('a/1');
    bed.scheduler.runSoon('a/1');
    bed.finish('a/1');
    await eventually(() => bed.runsOf('a/1') === 2 && bed.isHeld('a/1'));
    bed.finish('a/1');
    await bed.scheduler.idle();
    expect(bed.runsOf('a/1')).toBe(2);
    expect(bed.overlaps()).toBe(0);
    await bed.scheduler.stop(0);
  });

  it('backs a failing key off exponentially while a healthy one keeps its interval', async () => {
    const bed = recordingScheduler({ concurrency: 1, failureBackoffMs: 20, verdict: (key) => ({ failed: key === 'a/failing', intervalMs: key === 'a/failing' ? 3_600_000 : 5 }) });
    bed.scheduler.start();
    bed.scheduler.track('a/failing');
    bed.scheduler.track('a/healthy');
    bed.scheduler.startDue();
    await eventually(() => bed.runsOf('a/failing') >= 4);
    await bed.scheduler.stop(0);
    const failing = bed.started.filter((s) => s.key === 'a/failing').map((s) => s.at);
    const gaps = failing.slice(1).map((at, i) => at - (failing[i] as number));
    // Each wait is at least the doubled backoff: 20, 40, 80 ms …
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(20 * 2 ** i));
    // The healthy key ran many times meanwhile: the failing one never starved it.
    expect(bed.runsOf('a/healthy')).toBeGreaterThan(bed.runsOf('a/failing'));
  });

  it('tells a poll how late a full queue started it, so it may share an older Git answer by as much; a new key is never late', async () => {
    const runs: Array<{ key: string; lateMs: number; at: number }> = [];
    let releaseLong: (() => void) | undefined;
    const scheduler = new SyncScheduler({
      concurrency: 1,
      mayStart: () => true,
      run: async (key, _signal, _place, lateMs) => {
        runs.push({ key, lateMs, at: Date.now() });
        // The long run holds the only place while the poll's due time passes.
        if (key === 'a/long') await new Promise<void>((resolve) => (releaseLong = resolve));
        return { failed: false, intervalMs: key === 'a/poll' ? 10 : 3_600_000 };
      },
    });
    scheduler.start();
    scheduler.track('a/poll');
    scheduler.startDue();
    await eventually(() => runs.length > 0);
    scheduler.track('a/long');
    scheduler.startDue();
    await eventually(() => releaseLong !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const releasedAt = Date.now();
    releaseLong?.();
    await eventually(() => runs.some((run) => run.key === 'a/poll' && run.at >= releasedAt));
    await scheduler.stop(0);
    expect(runs[0]).toMatchObject({ key: 'a/poll', lateMs: 0 });
    expect(runs.find((run) => run.key === 'a/long')?.lateMs).toBe(0);
    // Due about 11 ms after its run before the long one started, it waited the 200 ms out.
    expect(runs.find((run) => run.key === 'a/poll' && run.at >= releasedAt)?.lateMs).toBeGreaterThanOrEqual(100);
  });

  it('runs a change-prompted recheck a second later, at most three in 30 s', async () => {
    const bed = recordingScheduler();
    bed.scheduler.start();
    bed.scheduler.track('a/1');
    bed.scheduler.startDue();
    await bed.scheduler.idle();
    const firstAsked = Date.now();
    for (let i = 0; i < 3; i++) {
      const asked = Date.now();
      bed.scheduler.recheckSoon('a/1');
      expect(bed.scheduler.dueAt('a/1')).toBeGreaterThanOrEqual(asked + 1_000);
      await eventually(() => bed.runsOf('a/1') === i + 2);
      await bed.scheduler.idle();
    }
    // The fourth waits for the window of the first to pass.
    bed.scheduler.recheckSoon('a/1');
    expect(bed.scheduler.dueAt('a/1')).toBeGreaterThanOrEqual(firstAsked + 30_000);
    await bed.scheduler.stop(0);
  });
});

describe('SyncScheduler: places and the backlog', () => {
  it('lets a run that waits give its place to the next key, and gives it one back before keys that have not started', async () => {
    const order: string[] = [];
    let releaseWait!: () => void;
    const waitOver = new Promise<void>((resolve) => (releaseWait = resolve));
    const gates = new Map<string, () => void>();
    const scheduler = new SyncScheduler({
      concurrency: 1,
      mayStart: () => true,
      run: async (key, _signal, place) => {
        order.push(`${key} start`);
        if (key === 'a/waits') {
          place.leave();
          await waitOver;
          await place.back();
          order.push(`${key} back`);
        } else {
          await new Promise<void>((resolve) => gates.set(key, resolve));
        }
        order.push(`${key} end`);
        return { failed: false, intervalMs: 3_600_000 };
      },
    });
    scheduler.start();
    for (const key of ['a/waits', 'a/1', 'a/2']) scheduler.track(key);
    scheduler.startDue();
    // The waiting run left its place: the next key started although the concurrency is 1.
    await eventually(() => order.includes('a/1 start'));
    expect(scheduler.placesTaken).toBe(1);
    releaseWait();
    // Its way back waits for a free place, and it goes before a/2, which was queued first.
    gates.get('a/1')?.();
    await eventually(() => order.includes('a/2 start'));
    gates.get('a/2')?.();
    await scheduler.idle();
    expect(order).toEqual(['a/waits start', 'a/1 start', 'a/1 end', 'a/waits back', 'a/waits end', 'a/2 start', 'a/2 end']);
    expect(scheduler.placesTaken).toBe(0);
    await scheduler.stop(0);
  });

  it('runs a backlog healthy keys first: failing keys due at the same time wait behind them', async () => {
    const bed = recordingScheduler({ concurrency: 1, failureBackoffMs: 3_600_000, verdict: (key) => ({ failed: key.startsWith('a/failing'), intervalMs: 3_600_000 }) });
    bed.scheduler.start();
    const keys = ['a/failing-1', 'a/failing-2', 'a/failing-3', 'a/healthy'];
    for (const key of keys) bed.scheduler.track(key);
    bed.scheduler.startDue();
    await eventually(() => bed.started.length === 4);
    await bed.scheduler.idle();
    // Everything is due at once again (say, the agent was busy): the healthy key goes first.
    for (const key of keys) bed.scheduler.runSoon(key);
    bed.scheduler.startDue();
    await eventually(() => bed.started.length === 8);
    expect(bed.started.slice(4).map((s) => s.key)).toEqual(['a/healthy', 'a/failing-1', 'a/failing-2', 'a/failing-3']);
    await bed.scheduler.stop(0);
  });
});
