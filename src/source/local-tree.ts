import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readFile, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileTooLarge, PathNotFoundError, UnsafePathError } from './errors.js';
import { assertNotLfsPointer } from './lfs.js';
import { isUnder, normalizeSyncPath } from './safe-path.js';
import type { EntryKind, SourceFile, SourceTree } from './types.js';

export interface LocalTreeOptions {
  /** Files larger than this are refused when read (default 5 MiB). */
  maxFileBytes?: number;
}

const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024;

/**
 * A local directory as a SourceTree, with the rules a Git commit has: nothing outside the
 * directory (no `..`, no symlink out), symlinks inside it followed (to directories too, never
 * round a cycle), `.git` left out, and the size limit applied to the files actually read. The
 * revision is a content hash of every file, so the same files always give the same revision;
 * a file too large to read counts by its size, since it can never reach a render.
 */
export async function openLocalTree(dir: string, options: LocalTreeOptions = {}): Promise<SourceTree> {
  const root = await realpath(dir).catch(() => {
    throw new PathNotFoundError('SOURCE_PATH_NOT_FOUND', `${dir}: directory not found`);
  });
  if (!(await stat(root)).isDirectory()) throw new PathNotFoundError('SOURCE_PATH_NOT_FOUND', `${dir}: not a directory`);
  const tree = new LocalTree(root, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
  await tree.computeRevision();
  return tree;
}

class LocalTree implements SourceTree {
  revision = '';

  constructor(
    private readonly root: string,
    private readonly maxFileBytes: number,
  ) {}

  async computeRevision(): Promise<void> {
    const hash = createHash('sha256');
    const visit = async (shown: string, real: string) => {
      const size = (await stat(real)).size;
      // The same framing as every earlier version, so an unchanged directory keeps its revision.
      hash.update(shown).update('\0');
      if (size > this.maxFileBytes) hash.update(`size:${size}`);
      else hash.update(await sha256OfFile(real));
      hash.update('\0');
    };
    // A symlink that cannot be followed is refused where it is listed; here it counts by its target.
    const refused = async (shown: string, link: string) => void hash.update(shown).update('\0').update(`link:${await readlink(link)}`).update('\0');
    await this.walk(this.root, '', [this.root], visit, refused);
    this.revision = `sha256:${hash.digest('hex').slice(0, 12)}`;
  }

  async stat(path: string): Promise<EntryKind> {
    const real = await this.resolve(normalizeSyncPath(path));
    if (!real) return 'missing';
    const info = await stat(real);
    return info.isDirectory() ? 'directory' : info.isFile() ? 'file' : 'missing';
  }

  async listFiles(dir: string): Promise<string[]> {
    const at = normalizeSyncPath(dir);
    const real = await this.resolve(at);
    if (!real || !(await stat(real)).isDirectory()) return [];
    const files: string[] = [];
    await this.walk(real, at, [real], async (shown) => void files.push(shown));
    return files.sort();
  }

  async readFile(path: string): Promise<SourceFile> {
    const at = normalizeSyncPath(path);
    const real = await this.resolve(at);
    const info = real ? await stat(real) : undefined;
    if (!real || !info?.isFile()) throw new PathNotFoundError('SOURCE_PATH_NOT_FOUND', `${at}: ${info?.isDirectory() ? 'a directory, not a file' : 'no such file'} in the directory`);
    if (info.size > this.maxFileBytes) throw fileTooLarge(at, info.size, this.maxFileBytes);
    const content = await readFile(real);
    assertNotLfsPointer(at, content);
    return { path: at, content };
  }

  /** The real path of `path`, refused when a symlink leads out of the directory; undefined when missing. */
  private async resolve(path: string): Promise<string | undefined> {
    if (path.split('/').includes('.git')) return undefined;
    const real = await realpath(join(this.root, path)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ELOOP') throw new UnsafePathError('SOURCE_UNSAFE_PATH', `${path}: too many levels of symlinks (a cycle); refused`);
      return undefined;
    });
    if (real !== undefined) this.assertInside(path, real);
    return real;
  }

  /**
   * Visits every file under `dir` in directory order (names sorted within each directory), by
   * the path it is seen at; `stack` holds the real directories being walked, to refuse cycles.
   */
  private async walk(
    dir: string,
    shownAs: string,
    stack: string[],
    visit: (shown: string, real: string) => Promise<void>,
    refused?: (shown: string, link: string) => Promise<void>,
  ): Promise<void> {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      if (entry.name === '.git') continue;
      const full = join(dir, entry.name);
      const shown = shownAs === '' ? entry.name : `${shownAs}/${entry.name}`;
      if (entry.isDirectory()) {
        await this.walk(full, shown, [...stack, full], visit, refused);
        continue;
      }
      if (entry.isFile()) {
        await visit(shown, full);
        continue;
      }
      if (!entry.isSymbolicLink()) continue;
      try {
        const target = await this.followLink(shown, full, stack);
        if (target.isDirectory) await this.walk(target.real, shown, [...stack, target.real], visit, refused);
        else if (target.isFile) await visit(shown, target.real);
      } catch (error) {
        if (!(error instanceof UnsafePathError) || !refused) throw error;
        await refused(shown, full);
      }
    }
  }

  /** Where a symlink met in a walk leads; refused when out of the directory, broken, or a cycle. */
  private async followLink(shown: string, link: string, stack: string[]): Promise<{ real: string; isFile: boolean; isDirectory: boolean }> {
    const real = await realpath(link).catch((error: NodeJS.ErrnoException) => {
      throw new UnsafePathError('SOURCE_UNSAFE_PATH', error.code === 'ELOOP' ? `${shown}: too many levels of symlinks (a cycle); refused` : `${shown}: broken symlink`);
    });
    this.assertInside(shown, real);
    const info = await lstat(real);
    if (info.isDirectory() && stack.some((walked) => isUnder(relativeTo(this.root, walked), relativeTo(this.root, real)))) {
      throw new UnsafePathError('SOURCE_UNSAFE_PATH', `${shown}: symlink leads back into a directory that contains it (a cycle); refused`);
    }
    return { real, isFile: info.isFile(), isDirectory: info.isDirectory() };
  }

  private assertInside(shown: string, real: string): void {
    if (real !== this.root && !real.startsWith(`${this.root}${sep}`)) {
      throw new UnsafePathError('SOURCE_UNSAFE_PATH', `${shown}: symlink points outside the directory; refused`);
    }
  }
}

function relativeTo(root: string, real: string): string {
  return relative(root, real).split(sep).join('/');
}

function sha256OfFile(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest()));
  });
}
