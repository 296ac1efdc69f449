/**
 * A counting semaphore: at most `limit` requests in flight to the API server. Callers beyond
 * the limit queue in arrival order; a finishing holder hands its slot straight to the next.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** The highest number of concurrent holders seen: for tests and benchmarks. */
  peak = 0;

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    this.peak = Math.max(this.peak, this.active);
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
