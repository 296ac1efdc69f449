import { PathNotFoundError } from './errors.js';
import { isUnder, normalizeSyncPath } from './safe-path.js';
import type { EntryKind, SourceFile, SourceTree } from './types.js';

/**
 * A SourceTree over files already in memory: what tests and callers that hold a list of files
 * (a local directory read whole) hand to render.
 */
export function treeFromFiles(files: readonly SourceFile[], revision: string): SourceTree {
  const byPath = new Map(files.map((file) => [file.path, file]));
  const sorted = [...byPath.keys()].sort();
  return {
    revision,
    async stat(path: string): Promise<EntryKind> {
      const at = normalizeSyncPath(path);
      if (byPath.has(at)) return 'file';
      return sorted.some((file) => isUnder(file, at)) ? 'directory' : 'missing';
    },
    async listFiles(dir: string): Promise<string[]> {
      const at = normalizeSyncPath(dir);
      return sorted.filter((file) => isUnder(file, at) && file !== at);
    },
    async readFile(path: string): Promise<SourceFile> {
      const file = byPath.get(normalizeSyncPath(path));
      if (!file) throw new PathNotFoundError('SOURCE_PATH_NOT_FOUND', `${path}: no such file in revision ${revision}`);
      return file;
    },
  };
}
