/**
 * Git objects already read, by object id, least recently used first out, bounded by their total
 * size. An object id names its content forever, so entries never go stale and one cache serves
 * every repository: an unchanged poll lists and reads the same trees and blobs from here instead
 * of inflating them from the packs again.
 */
export class ObjectCache {
  private readonly entries = new Map<string, { value: unknown; bytes: number }>();
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  get<T>(oid: string): T | undefined {
    const entry = this.entries.get(oid);
    if (!entry) return undefined;
    // Re-insert: Map order is the recency order.
    this.entries.delete(oid);
    this.entries.set(oid, entry);
    return entry.value as T;
  }

  /** Keeps `value` (shared with every later reader: never change it) unless it alone exceeds the bound. */
  set(oid: string, value: unknown, bytes: number): void {
    this.delete(oid);
    if (bytes > this.maxBytes) return;
    this.entries.set(oid, { value, bytes });
    this.total += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.total -= entry.bytes;
    }
  }

  /** Bytes held, for tests and metrics. */
  get bytes(): number {
    return this.total;
  }

  private delete(oid: string): void {
    const entry = this.entries.get(oid);
    if (!entry) return;
    this.entries.delete(oid);
    this.total -= entry.bytes;
  }
}
