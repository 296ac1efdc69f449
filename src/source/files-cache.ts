import type { SourceFile } from './types.js';

/**
 * The files of recently read commits, least recently used first out, bounded by their total
 * size. A commit's files never change, so an unchanged poll reads them from here instead of
 * walking and inflating the Git objects again.
 */
export class CommitFilesCache {
  private readonly entries = new Map<string, { files: readonly SourceFile[]; bytes: number }>();
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  /** A copy of the cached list (the files themselves are shared and must not be changed). */
  get(key: string): SourceFile[] | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // Re-insert: Map order is the recency order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return [...entry.files];
  }

  set(key: string, files: readonly SourceFile[]): void {
    const bytes = files.reduce((sum, file) => sum + file.content.length + file.path.length, 0);
    this.delete(key);
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { files: [...files], bytes });
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

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.total -= entry.bytes;
  }
}
