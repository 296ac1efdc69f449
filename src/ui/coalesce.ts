/**
 * Runs `work` once per burst of calls, `ms` after the first: a rollout changes a Pod many times
 * a second, and the page needs the state after the burst, not every step of it. Never two runs
 * at once; a call during a run schedules one more.
 */
export function coalesce(work: () => Promise<void> | void, ms: number): { schedule: () => void; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let cancelled = false;
  const run = async () => {
    timer = undefined;
    running = true;
    try {
      await work();
    } finally {
      running = false;
      if (again && !cancelled) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    if (cancelled) return;
    if (running) {
      again = true;
      return;
    }
    timer ??= setTimeout(() => void run(), ms);
  };
  return {
    schedule,
    cancel: () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    },
  };
}
