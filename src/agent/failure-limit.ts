export interface FailureLimitOptions {
  /** Failed attempts an address may make in a burst (default 10). */
  burst?: number;
  /** One more attempt is allowed every this long (default 6 s: ten a minute). */
  refillMs?: number;
  /** Addresses remembered at most; the least recently failing go first (default 10,000). */
  maxAddresses?: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Counts failed attempts per source address with a token bucket: a burst of failures is
 * allowed, then one per refill period. An address over its budget is refused before anything
 * is looked up, so guessing names or tokens is slow and costs the API server nothing. Successes
 * are not counted. Bounded: at most `maxAddresses` are remembered.
 */
export class FailureLimit {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;
  private readonly refillMs: number;
  private readonly maxAddresses: number;

  constructor(options: FailureLimitOptions = {}) {
    this.burst = options.burst ?? 10;
    this.refillMs = options.refillMs ?? 6_000;
    this.maxAddresses = options.maxAddresses ?? 10_000;
  }

  /** Seconds until `address` may try again, or undefined when it may now. */
  retryAfter(address: string): number | undefined {
    const bucket = this.refilled(address);
    if (!bucket || bucket.tokens >= 1) return undefined;
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * this.refillMs) / 1000));
  }

  /** One failed attempt from `address`. */
  failed(address: string): void {
    const bucket = this.refilled(address) ?? { tokens: this.burst, updatedAt: Date.now() };
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    this.buckets.delete(address);
    this.buckets.set(address, bucket);
    while (this.buckets.size > this.maxAddresses) this.buckets.delete(this.buckets.keys().next().value as string);
  }

  private refilled(address: string): Bucket | undefined {
    const bucket = this.buckets.get(address);
    if (!bucket) return undefined;
    const now = Date.now();
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.updatedAt) / this.refillMs);
    bucket.updatedAt = now;
    if (bucket.tokens >= this.burst) this.buckets.delete(address); // back to a clean slate
    return bucket;
  }
}
