import { objectKey } from '../objects.js';
import { hasWrites, type ChangeEntry } from '../apply/index.js';
import type { ObjectChange } from './live-watch.js';

interface Written {
  resourceVersion?: string;
  deleted: boolean;
}

/**
 * Tells a GitSync's own writes from someone else's edits of the objects it manages. Each write
 * reports the resourceVersion it produced; the watch event that carries that version (or the
 * deletion of what it pruned or recreated) is the echo of the write, not a change to act on.
 * Changes seen while the GitSync syncs are held: what the sync writes is known only at its end.
 */
export class OwnWrites {
  private readonly written = new Map<string, Map<string, Written>>();
  private readonly held = new Map<string, ObjectChange[]>();

  /** What a sync of `key` wrote (replacing what the one before wrote). */
  remember(key: string, changes: ChangeEntry[]): void {
    this.written.set(
      key,
      new Map(
        changes
          .filter((change) => hasWrites([change]))
          .map((change) => [objectKey(change.ref), { ...(change.resourceVersion ? { resourceVersion: change.resourceVersion } : {}), deleted: change.action === 'deleted' || change.action === 'recreated' }]),
      ),
    );
  }

  /** True when a change is the echo of what the last sync of `key` wrote. */
  isOwn(key: string, change: ObjectChange): boolean {
    const written = this.written.get(key)?.get(objectKey(change.ref));
    if (!written) return false;
    if (change.type === 'DELETED') return written.deleted;
    return written.resourceVersion !== undefined && written.resourceVersion === change.resourceVersion;
  }

  /** A change seen while `key` syncs: judged by `releaseHeld` once the sync is over. */
  hold(key: string, change: ObjectChange): void {
    const held = this.held.get(key);
    if (held) held.push(change);
    else this.held.set(key, [change]);
  }

  /** After a sync of `key` (and `remember`): whether a change held meanwhile was someone else's. */
  releaseHeld(key: string): boolean {
    const held = this.held.get(key) ?? [];
    this.held.delete(key);
    return held.some((change) => !this.isOwn(key, change));
  }

  forget(key: string): void {
    this.written.delete(key);
    this.held.delete(key);
  }
}
