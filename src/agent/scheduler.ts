import { nextRunAfter, type RunVerdict } from './schedule.js';

/** A burst of changes (kubectl edit of several objects) becomes one reconcile. */
const CHANGE_DEBOUNCE_MS = 1_000;
/** At most this many change-prompted reconciles per window, per key (no hot loop with another writer). */
const PROMPTS_PER_WINDOW = 3;
const PROMPT_WINDOW_MS = 30_000;
/** setTimeout's longest delay; a later due time is re-armed when it is reached. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface SyncSchedulerOptions {
  /** Runs at once (default 4). */
  concurrency?: number;
  /** Base of the failure backoff (default 10 s, capped at 5 min and at the interval). */
  failureBackoffMs?: number;
  /** Whether a due key may start now (it exists and is not suspended). */
  mayStart(key: string): boolean;
  /**
   * Runs one key. The verdict sets its next due time; `undefined` means it did nothing (it was
   * suspended meanwhile) and is due again only when asked. A run that waits (a rollout's health)
   * gives its place back through `place` and takes one again before it goes on writing.
   * `lateMs`: how long after its due time the run started (0 for a run someone asked for).
   */
  run(key: string, signal: AbortSignal, place: RunPlace, lateMs: number): Promise<RunVerdict | undefined>;
  /** After a run of `key` ended, before its follow-up (if any) is queued. */
  onRunEnd?(key: string): void;
}

/**
 * A running run's place among the `concurrency` that may run at once. `leave()` gives it to the
 * next due key while the run only waits (a health wait polls, it does not write); `back()` takes
 * one again, ahead of keys that have not started, and resolves once it has it. Both are no-ops
 * when there is nothing to do, so a wait that ends at its first look never leaves.
 */
export interface RunPlace {
  leave(): void;
  back(): Promise<void>;
}

interface Slot {
  nextRunAt: number;
  /** Failed runs in a row: the backoff grows with them. */
  failures: number;
  /** When its last run ended. */
  endedAt?: number;
  /** When recent change-prompted runs were due (rate limit). */
  prompted: number[];
  running?: Promise<void>;
  abort?: AbortController;
  /** A request arrived while it ran: one more run right after. */
  rerun: boolean;
  /** Something may have changed while it ran: a rate-limited recheck once it is done. */
  recheckAfterRun: boolean;
}

/**
 * When each GitSync runs: a due time per key (interval or cron after each run, exponential
 * backoff after failures, sooner on a request or a change), a FIFO queue of due keys, bounded
 * concurrency, and never two runs of one key at once. It knows keys only; what a run does is the
 * caller's `run`. A timer fires at the earliest due time, so nothing waits for a polling tick.
 */
export class SyncScheduler {
  private readonly slots = new Map<string, Slot>();
  private readonly queue: string[] = [];
  /** Runs that left their place to wait and want one back: served before the queue. */
  private readonly returning: Array<() => void> = [];
  /** Runs of keys that were forgotten while running: still awaited on stop. */
  private readonly orphans = new Set<Promise<void>>();
  private active = 0;
  private started = false;
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Number.POSITIVE_INFINITY;

  constructor(private readonly options: SyncSchedulerOptions) {}

  start(): void {
    this.started = true;
    this.startDue();
  }

  /** Stops starting runs; running ones get `graceMs` to finish, then are aborted. */
  async stop(graceMs: number): Promise<void> {
    this.started = false;
    this.disarm();
    this.queue.splice(0);
    // A run waiting for its place back finishes (or sees its abort) outside the bound.
    for (const resume of this.returning.splice(0)) {
      this.active++;
      resume();
    }
    const running = [...[...this.slots.values()].map((slot) => slot.running), ...this.orphans].filter((run): run is Promise<void> => run !== undefined);
    const slots = [...this.slots.values()].filter((slot) => slot.running);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
      timer.unref();
    });
    await Promise.race([Promise.all(running), grace]);
    clearTimeout(timer);
    for (const slot of slots) slot.abort?.abort();
    await Promise.all(running);
  }

  /** Knows `key` from now on; a new key is due at once. */
  track(key: string): void {
    if (!this.slots.has(key)) this.slots.set(key, { nextRunAt: 0, failures: 0, prompted: [], rerun: false, recheckAfterRun: false });
  }

  /** Forgets `key` (its GitSync was deleted); a run in progress ends on its own. */
  forget(key: string): void {
    const slot = this.slots.get(key);
    this.slots.delete(key);
    const at = this.queue.indexOf(key);
    if (at >= 0) this.queue.splice(at, 1);
    if (slot?.running) {
      const run = slot.running;
      this.orphans.add(run);
      void run.finally(() => this.orphans.delete(run));
    }
  }

  /** Due now (a request, a webhook); when it is running, one more run follows right after. */
  runSoon(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    if (slot.running) slot.rerun = true;
    else slot.nextRunAt = 0;
  }

  /**
   * Something it manages may have changed: run it a second from now, but at most three such
   * runs in 30 s; while it runs, once it is done.
   */
  recheckSoon(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    if (slot.running) {
      slot.recheckAfterRun = true;
      return;
    }
    const now = Date.now();
    const recent = slot.prompted.filter((at) => now - at < PROMPT_WINDOW_MS);
    const due = recent.length < PROMPTS_PER_WINDOW ? now + CHANGE_DEBOUNCE_MS : (recent[0] as number) + PROMPT_WINDOW_MS;
    if (due < slot.nextRunAt) {
      slot.nextRunAt = due;
      recent.push(due);
      this.arm();
    }
    slot.prompted = recent;
  }

  /** Aborts the running run of `key` (it moved to another replica); its verdict still sets the next due time. */
  cancel(key: string): void {
    this.slots.get(key)?.abort?.abort();
  }

  isRunning(key: string): boolean {
    return this.slots.get(key)?.running !== undefined;
  }

  /** When `key` is due next (infinite while it runs or waits for a request; undefined when unknown). */
  dueAt(key: string): number | undefined {
    return this.slots.get(key)?.nextRunAt;
  }

  /** When the last run of `key` ended (undefined: it has not run yet). */
  endedAt(key: string): number | undefined {
    return this.slots.get(key)?.endedAt;
  }

  /** Queues every key whose time has come and that may start. */
  startDue(): void {
    if (!this.started) return;
    const now = Date.now();
    const queued = new Set(this.queue);
    for (const [key, slot] of this.slots) {
      if (slot.nextRunAt <= now && !slot.running && !queued.has(key) && this.options.mayStart(key)) this.queue.push(key);
    }
    this.order();
    this.drain();
    this.arm();
  }

  /** Resolves when nothing runs and nothing is queued (tests, benchmarks). */
  async idle(): Promise<void> {
    const busy = () => this.queue.length > 0 || [...this.slots.values()].some((slot) => slot.running) || this.orphans.size > 0;
    while (busy()) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  /** Runs that hold a place now (a run waiting outside its place is not one). */
  get placesTaken(): number {
    return this.active;
  }

  private drain(): void {
    const limit = this.options.concurrency ?? 4;
    while (this.active < limit && this.returning.length > 0) {
      this.active++;
      (this.returning.shift() as () => void)();
    }
    while (this.started && this.active < limit && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      const slot = this.slots.get(key);
      if (!slot) continue;
      this.active++;
      // 0: run now (asked for, or new). A due time passed long ago is a queue that fell behind.
      const lateMs = slot.nextRunAt > 0 ? Math.max(0, Date.now() - slot.nextRunAt) : 0;
      // Not due again until this run ends and says when.
      slot.nextRunAt = Number.POSITIVE_INFINITY;
      slot.abort = new AbortController();
      slot.running = this.runOne(key, slot, slot.abort.signal, lateMs);
    }
  }

  /** The place of one run: it holds one from its start until it leaves, and again once it is back. */
  private placeOf(): RunPlace & { held(): boolean } {
    let holding = true;
    return {
      held: () => holding,
      leave: () => {
        if (!holding) return;
        holding = false;
        this.active--;
        this.drain();
      },
      back: async () => {
        if (holding) return;
        holding = true;
        if (!this.started) {
          this.active++; // shutting down: no place to wait for
          return;
        }
        await new Promise<void>((resolve) => {
          this.returning.push(resolve);
          this.drain();
        });
      },
    };
  }

  private async runOne(key: string, slot: Slot, signal: AbortSignal, lateMs: number): Promise<void> {
    let verdict: RunVerdict | undefined;
    const place = this.placeOf();
    try {
      verdict = await this.options.run(key, signal, place, lateMs);
    } catch {
      // `run` reports its own failures; an escaped error still counts as one.
      verdict = { failed: true, intervalMs: 60_000 };
    }
    // A run that ended outside its place (it never came back) has none to give up below.
    if (!place.held()) this.active++;
    const end = Date.now();
    if (verdict) {
      // A cancelled run says nothing about the GitSync: its failure count stays.
      if (!verdict.cancelled) slot.failures = verdict.failed ? slot.failures + 1 : 0;
      slot.nextRunAt = nextRunAfter(verdict, end, slot.failures, this.options.failureBackoffMs);
    }
    this.active--;
    slot.running = undefined;
    slot.abort = undefined;
    slot.endedAt = end;
    if (this.slots.get(key) !== slot) return this.drain(); // forgotten meanwhile
    this.options.onRunEnd?.(key);
    if (slot.recheckAfterRun) {
      slot.recheckAfterRun = false;
      this.recheckSoon(key);
    }
    if (slot.rerun && this.started) {
      slot.rerun = false;
      slot.nextRunAt = 0;
    }
    this.startDue();
  }

  /**
   * A backlog (more due than may run) goes healthy keys first, each class by due time: a crowd of
   * failing GitSyncs (a Git server down) waits behind the healthy ones instead of before them.
   */
  private order(): void {
    const rank = (key: string) => {
      const slot = this.slots.get(key);
      return { failing: slot && slot.failures > 0 ? 1 : 0, due: slot?.nextRunAt ?? 0 };
    };
    const ranks = new Map(this.queue.map((key) => [key, rank(key)]));
    this.queue.sort((a, b) => {
      const ra = ranks.get(a) as { failing: number; due: number };
      const rb = ranks.get(b) as { failing: number; due: number };
      return ra.failing - rb.failing || ra.due - rb.due;
    });
  }

  /** Sets the timer for the earliest due time still ahead. */
  private arm(): void {
    if (!this.started) return;
    const now = Date.now();
    let earliest = Number.POSITIVE_INFINITY;
    for (const slot of this.slots.values()) {
      if (!slot.running && slot.nextRunAt > now && slot.nextRunAt < earliest) earliest = slot.nextRunAt;
    }
    if (earliest === this.armedFor) return;
    this.disarm();
    if (earliest === Number.POSITIVE_INFINITY) return;
    this.armedFor = earliest;
    this.timer = setTimeout(() => {
      this.armedFor = Number.POSITIVE_INFINITY;
      this.timer = undefined;
      this.startDue();
    }, Math.min(MAX_TIMER_MS, earliest - now));
    this.timer.unref();
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
  }
}
