import fs from 'node:fs';
import { join } from 'node:path';
import git from 'isomorphic-git';
import type { ObjectCache } from './object-cache.js';

/** One entry of a Git tree object. */
export interface TreeEntry {
  name: string;
  /** `040000` tree, `100644`/`100755` file, `120000` symlink, `160000` gitlink (a submodule). */
  mode: string;
  oid: string;
  type: 'tree' | 'blob' | 'commit';
}

// Every isomorphic-git read is a few small file system calls (its loose-object probe, the pack
// listing); they overlap well, so reads run concurrently, but bounded: render may ask for
// thousands of files at once.
const MAX_READS_IN_FLIGHT = 16;
const ENTRY_BYTES = 100;

/**
 * Reads the objects of one cached repository: commits, trees and blobs by id, each inflated
 * once and kept in the shared object cache. isomorphic-git's own cache (pack indexes and pack
 * contents) lives as long as this reader, one sync's worth of reads.
 */
export class GitObjectReader {
  private readonly packCache = {};
  private readonly fs: ReadOnlyGitFs;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly gitdir: string,
    private readonly objects: ObjectCache,
  ) {
    this.fs = readOnlyGitFs(gitdir);
  }

  /** The root tree of a commit. */
  async rootTree(commit: string): Promise<string> {
    const key = `commit-tree:${commit}`;
    const cached = this.objects.get<string>(key);
    if (cached) return cached;
    const { commit: parsed } = await this.bounded(() => git.readCommit({ fs: this.fs, gitdir: this.gitdir, oid: commit, cache: this.packCache }));
    this.objects.set(key, parsed.tree, 64);
    return parsed.tree;
  }

  async tree(oid: string): Promise<readonly TreeEntry[]> {
    const cached = this.objects.get<TreeEntry[]>(oid);
    if (cached) return cached;
    const { tree } = await this.bounded(() => git.readTree({ fs: this.fs, gitdir: this.gitdir, oid, cache: this.packCache }));
    const entries = tree.map((entry) => ({ name: entry.path, mode: entry.mode, oid: entry.oid, type: entry.type }));
    this.objects.set(oid, entries, ENTRY_BYTES * entries.length);
    return entries;
  }

  /** A blob's content, shared with other readers: never change it. */
  async blob(oid: string): Promise<Buffer> {
    const cached = this.objects.get<Buffer>(oid);
    if (cached) return cached;
    const { blob } = await this.bounded(() => git.readBlob({ fs: this.fs, gitdir: this.gitdir, oid, cache: this.packCache }));
    const content = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
    this.objects.set(oid, content, content.length);
    return content;
  }

  private async bounded<T>(read: () => Promise<T>): Promise<T> {
    while (this.inFlight >= MAX_READS_IN_FLIGHT) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    try {
      return await read();
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }
}

type ReadOnlyGitFs = { promises: typeof fs.promises };

/**
 * The file system as isomorphic-git reads one cache through it, minus the calls that cost
 * most of a small read: every object read first probes for a loose object, then lists the
 * packs, and checks that the Git directory is one. A cache only ever receives objects in packs
 * (fetches write packs; nothing here writes loose objects), and this reader lives for one sync's
 * reads, so the probe answers "not there" at once and the pack list and the check are read
 * once. Packs promoted meanwhile hold only newer commits, which this reader is not asked for.
 */
function readOnlyGitFs(gitdir: string): ReadOnlyGitFs {
  const loose = new RegExp(`^${escapeRegExp(join(gitdir, 'objects'))}/[0-9a-f]{2}/[0-9a-f]{38}$`);
  const packs = join(gitdir, 'objects', 'pack');
  let packList: Promise<string[]> | undefined;
  let gitdirStat: Promise<fs.Stats> | undefined;
  const promises = Object.create(fs.promises) as typeof fs.promises;
  Object.assign(promises, {
    readFile: ((path: fs.PathLike, options?: unknown) => {
      if (typeof path === 'string' && loose.test(path)) return Promise.reject(Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' }));
      return fs.promises.readFile(path, options as never);
    }) as typeof fs.promises.readFile,
    readdir: ((path: fs.PathLike, options?: unknown) => {
      if (path === packs && options === undefined) {
        packList ??= fs.promises.readdir(packs).catch((error: unknown) => {
          packList = undefined;
          throw error;
        });
        return packList;
      }
      return fs.promises.readdir(path, options as never);
    }) as typeof fs.promises.readdir,
    stat: ((path: fs.PathLike, options?: unknown) => {
      if (path === gitdir && options === undefined) {
        gitdirStat ??= fs.promises.stat(gitdir).catch((error: unknown) => {
          gitdirStat = undefined;
          throw error;
        });
        return gitdirStat;
      }
      return fs.promises.stat(path, options as never);
    }) as typeof fs.promises.stat,
  });
  return { promises };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
