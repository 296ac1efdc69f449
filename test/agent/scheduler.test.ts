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
