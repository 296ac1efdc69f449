import { posix } from 'node:path';
import { describeError } from '../errors.js';
import { CacheUnreadableError, fileTooLarge, PathNotFoundError, SourceError, UnsafePathError } from './errors.js';
import type { GitObjectReader, TreeEntry } from './git-objects.js';
import { assertNotLfsPointer } from './lfs.js';
import { isUnder, normalizeSyncPath, resolveLinkTarget } from './safe-path.js';
import { parseGitmodules, submoduleError } from './submodules.js';
import type { EntryKind, SourceFile, SourceTree } from './types.js';

export interface GitTreeOptions {
  /** The repository URL without credentials, for messages. */
  url: string;
  commit: string;
  maxFileBytes: number;
  reader: GitObjectReader;
  /**
   * Called once when the cache cannot be read (a lost pack, a broken object): clones the
   * commit again and returns a reader over the fresh cache.
   */
  recover(cause: unknown): Promise<GitObjectReader>;
}

/** Where a path leads inside a commit, after following symlinks. */
type Resolved =
  | { kind: 'tree'; oid: string; path: string }
  | { kind: 'blob'; oid: string; path: string }
  | { kind: 'gitlink'; oid: string; path: string }
  | { kind: 'missing' };

// As Linux's ELOOP limit: a chain this long is a loop, not a layout.
const MAX_LINK_HOPS = 40;
const SYMLINK = '120000';

/**
 * The files of one commit, read on demand from the local cache: listing reads only tree
 * objects, a file's blob is read when it is asked for, and only then does the size limit
 * apply. Symlinks inside the repository are followed (to files and to directories), never out
 * of it and never round in a cycle. A gitlink (submodule) or a Git LFS pointer where files are
 * needed is a located error rather than a silent gap.
 */
export class GitCommitTree implements SourceTree {
  readonly revision: string;
  private reader: GitObjectReader;
  private recovery: Promise<GitObjectReader> | undefined;

  constructor(private readonly options: GitTreeOptions) {
    this.revision = options.commit;
    this.reader = options.reader;
  }

  async stat(path: string): Promise<EntryKind> {
    const at = normalizeSyncPath(path);
    return this.guarded(async () => {
      const resolved = await this.resolve(at);
      if (resolved.kind === 'gitlink') throw await this.submodule(resolved);
      return resolved.kind === 'tree' ? 'directory' : resolved.kind === 'blob' ? 'file' : 'missing';
    });
  }

  async listFiles(dir: string): Promise<string[]> {
    const at = normalizeSyncPath(dir);
    return this.guarded(async () => {
      const resolved = await this.resolve(at);
      if (resolved.kind === 'gitlink') throw await this.submodule(resolved);
      if (resolved.kind !== 'tree') return [];
      const files: string[] = [];
      await this.collect(resolved, at, [resolved.path], files);
      return files.sort();
    });
  }

  async readFile(path: string): Promise<SourceFile> {
    const at = normalizeSyncPath(path);
    return this.guarded(async () => {
      const resolved = await this.resolve(at);
      if (resolved.kind === 'gitlink') throw await this.submodule(resolved);
      if (resolved.kind !== 'blob') {
        throw new PathNotFoundError('SOURCE_PATH_NOT_FOUND', `${at}: ${resolved.kind === 'tree' ? 'a directory, not a file' : 'no such file'} at commit ${this.revision.slice(0, 7)}`);
      }
      const content = await this.reader.blob(resolved.oid);
      if (content.length > this.options.maxFileBytes) throw fileTooLarge(at, content.length, this.options.maxFileBytes);
      assertNotLfsPointer(at, content);
      return { path: at, content, blobId: resolved.oid };
    });
  }

  /** Every file under a directory, by the path it is seen at; `stack` holds the directories being listed. */
  private async collect(dir: { oid: string; path: string }, seenAt: string, stack: string[], files: string[]): Promise<void> {
    const entries = await this.reader.tree(dir.oid);
    await Promise.all(
      entries.map(async (entry) => {
        const path = join(dir.path, entry.name);
        const shown = join(seenAt, entry.name);
        if (entry.type === 'commit') throw await this.submodule({ path, oid: entry.oid });
        if (entry.type === 'tree') return this.collect({ oid: entry.oid, path }, shown, [...stack, path], files);
        if (entry.mode !== SYMLINK) return void files.push(shown);
        const target = await this.followLink(path, entry);
        if (target.kind === 'blob') return void files.push(shown);
        if (target.kind === 'gitlink') throw await this.submodule(target);
        if (target.kind === 'missing') throw brokenLink(path, await this.linkText(entry));
        if (stack.some((listed) => isUnder(listed, target.path))) {
          throw new UnsafePathError('SOURCE_UNSAFE_PATH', `${path}: symlink to "${await this.linkText(entry)}" leads back into a directory that contains it (a cycle); refused`);
        }
        return this.collect(target, shown, [...stack, target.path], files);
      }),
    );
  }

  /**
   * Walks `path` from the root tree, one name at a time; a symlink on the way is replaced by its
   * target and the walk starts again from the root.
   */
  private async resolve(path: string, hops = 0): Promise<Resolved> {
    let current: Resolved = { kind: 'tree', oid: await this.reader.rootTree(this.revision), path: '' };
    const names = path === '' ? [] : path.split('/');
    for (const [index, name] of names.entries()) {
      if (current.kind !== 'tree') return current.kind === 'gitlink' ? current : { kind: 'missing' };
      const entries: readonly TreeEntry[] = await this.reader.tree(current.oid);
      const entry = entries.find((candidate) => candidate.name === name);
      if (!entry) return { kind: 'missing' };
      const at = join(current.path, name);
      if (entry.mode === SYMLINK) {
        if (hops >= MAX_LINK_HOPS) throw new UnsafePathError('SOURCE_UNSAFE_PATH', `${at}: too many levels of symlinks (a cycle); refused`);
        const target = resolveLinkTarget(at, await this.linkText(entry));
        return this.resolve([target, ...names.slice(index + 1)].filter((part) => part !== '' && part !== '.').join('/'), hops + 1);
      }
      current = { kind: entry.type === 'commit' ? 'gitlink' : entry.type, oid: entry.oid, path: at };
    }
    return current;
  }

  private async followLink(path: string, entry: TreeEntry): Promise<Resolved> {
    const target = resolveLinkTarget(path, await this.linkText(entry));
    return this.resolve(target === '.' ? '' : target, 1);
  }

  private async linkText(entry: TreeEntry): Promise<string> {
    return (await this.reader.blob(entry.oid)).toString('utf8');
  }

  private async submodule(gitlink: { path: string; oid: string }) {
    const modules = await this.resolve('.gitmodules').catch(() => ({ kind: 'missing' }) as const);
    const text = modules.kind === 'blob' ? (await this.reader.blob(modules.oid)).toString('utf8') : '';
    return submoduleError(gitlink.path, gitlink.oid, parseGitmodules(text));
  }

  /**
   * Runs a read; when the cache itself fails (not the repository's content), clones again once
   * and retries. Errors about the content (too large, unsafe, missing) pass through.
   */
  private async guarded<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof SourceError) throw error;
      // Reads that fail together wait for one recovery.
      this.recovery ??= this.options.recover(error);
      try {
        this.reader = await this.recovery;
      } catch (cloneError) {
        throw this.unreadable(error, `cloning it again failed: ${describeError(cloneError)}`);
      }
    }
    try {
      return await read();
    } catch (error) {
      if (error instanceof SourceError) throw error;
      throw this.unreadable(error, 'even after cloning it again');
    }
  }

  private unreadable(cause: unknown, what: string): CacheUnreadableError {
    return new CacheUnreadableError(
      'SOURCE_CACHE_UNREADABLE',
      `${this.options.url}: commit ${this.revision.slice(0, 7)} cannot be read from the local cache (${describeError(cause)}); ${what}`,
      { cause },
    );
  }
}

function join(dir: string, name: string): string {
  return dir === '' ? name : posix.join(dir, name);
}

function brokenLink(path: string, target: string): UnsafePathError {
  return new UnsafePathError('SOURCE_UNSAFE_PATH', `${path}: symlink to "${target}" does not point to a file or directory in the repository`);
}
