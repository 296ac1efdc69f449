import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { FileTooLargeError, PathNotFoundError, UnsafePathError } from './errors.js';
import { normalizeSyncPath } from './safe-path.js';
import type { SourceFile } from './types.js';

/**
 * The files of a local directory under `path`, with the same safety rules as Git: no `..`, no
 * symlink out of the directory, no file over the size limit. The revision is a content hash, so
 * the same files always give the same revision.
 */
export async function readLocalDirectory(dir: string, path?: string, options: { maxFileBytes?: number } = {}): Promise<{ files: SourceFile[]; revision: string }> {
  const maxFileBytes = options.maxFileBytes ?? 5 * 1024 * 1024;
  const root = await realpath(dir).catch(() => {
    throw new PathNotFoundError('SOURCE_PATH_NOT_FOUND', `${dir}: directory not found`);
  });
  const sub = normalizeSyncPath(path);
  const start = join(root, sub);
  const stat = await lstat(start).catch(() => undefined);
  if (!stat?.isDirectory()) throw new PathNotFoundError('SOURCE_PATH_NOT_FOUND', `${dir}: path "${sub}" is not a directory`);
  const files: SourceFile[] = [];
  const walk = async (current: string): Promise<void> => {
    for (const entry of (await readdir(current, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name === '.git') continue;
      const full = join(current, entry.name);
      const rel = relative(root, full).split(sep).join('/');
      if (entry.isDirectory()) {
        await walk(full);
        continue;
      }
      let target = full;
      if (entry.isSymbolicLink()) {
        target = await realpath(full).catch(() => {
          throw new UnsafePathError('SOURCE_UNSAFE_PATH', `${rel}: broken symlink`);
        });
        if (target !== root && !target.startsWith(`${root}${sep}`)) throw new UnsafePathError('SOURCE_UNSAFE_PATH', `${rel}: symlink points outside the directory; refused`);
        if ((await lstat(target)).isDirectory()) continue;
      } else if (!entry.isFile()) {
        continue;
      }
      const size = (await lstat(target)).size;
      if (size > maxFileBytes) throw new FileTooLargeError('SOURCE_FILE_TOO_LARGE', `${rel}: ${(size / 1024 / 1024).toFixed(1)} MiB exceeds the ${(maxFileBytes / 1024 / 1024).toFixed(1)} MiB file size limit`);
      files.push({ path: rel, content: await readFile(target) });
    }
  };
  await walk(start);
  const hash = createHash('sha256');
  for (const file of files) hash.update(file.path).update('\0').update(createHash('sha256').update(file.content).digest()).update('\0');
  return { files, revision: `sha256:${hash.digest('hex').slice(0, 12)}` };
}
