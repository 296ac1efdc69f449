import type { KubeObject } from '../objects.js';
import { isJsonObject } from '../objects.js';

/**
 * `url|ref` of a GitSync's Git source, as its spec says them: GitSyncs with one key poll one
 * repository and ref and share its answers. Undefined for chart sources.
 */
export function sourceKeyOf(gitsync: KubeObject): string | undefined {
  const source = isJsonObject(gitsync.spec) && isJsonObject(gitsync.spec.source) ? gitsync.spec.source : undefined;
  if (!source || typeof source.url !== 'string' || source.helm !== undefined) return undefined;
  return `${source.url}|${JSON.stringify(source.ref ?? null)}`;
}

/** The commit of a revision (a revision with a values digest is `<commit>+values.<digest>`). */
export const commitOf = (revision: string): string => revision.split('+')[0] as string;

/**
 * The last commit seen per source key. When one GitSync's poll sees its repository move, the
 * others on that repository and ref are due at once: they share the poll's answer, so without
 * this they would learn of the commit only at their own next poll after it expired.
 */
export class SourceHeads {
  private readonly heads = new Map<string, string>();

  /** Records `commit` for `key`; true when a different commit was known before (the ref moved). */
  moved(key: string, commit: string): boolean {
    const before = this.heads.get(key);
    this.heads.set(key, commit);
    return before !== undefined && before !== commit;
  }

  /** Drops keys no GitSync uses any more (bounded by the GitSyncs the agent knows). */
  keepOnly(keys: Set<string>): void {
    for (const key of this.heads.keys()) if (!keys.has(key)) this.heads.delete(key);
  }
}
