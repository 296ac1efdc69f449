/**
 * One lock per key, in this process: work under a key runs after the work queued before it has
 * settled. The lock is held for as long as the work runs, even when its caller stopped waiting
 * (a timeout), so an abandoned fetch never shares a cache directory with the next one.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Whether work under `key` is running or queued. */
  isBusy(key: string): boolean {
    return this.tails.has(key);
  }

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const tail = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
