/**
 * Waits `ms` milliseconds, or less when `signal` aborts (it then resolves, never rejects: the
 * caller checks `signal.aborted`). The timer keeps the process alive, so a
 * CLI waiting for health does not exit half-way.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
