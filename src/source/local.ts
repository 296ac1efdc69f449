import { createHash } from 'node:crypto';
import { PathNotFoundError } from './errors.js';
import { openLocalTree } from './local-tree.js';
import { normalizeSyncPath } from './safe-path.js';
import type { SourceFile } from './types.js';

/**
 * Every file of a local directory under `path`, read whole, with the revision of those files.
 * What callers that take a list of files use until they read a SourceTree (openLocalTree).
 */
export async function readLocalDirectory(dir: string, path?: string, options: { maxFileBytes?: number } = {}): Promise<{ files: SourceFile[]; revision: string }> {
  const tree = await openLocalTree(dir, options);
  const sub = normalizeSyncPath(path);
  if ((await tree.stat(sub)) !== 'directory') throw new PathNotFoundError('SOURCE_PATH_NOT_FOUND', `${dir}: path "${sub}" is not a directory`);
  const files: SourceFile[] = [];
  for (const file of await tree.listFiles(sub)) files.push(await tree.readFile(file));
  if (sub === '') return { files, revision: tree.revision };
  const hash = createHash('sha256');
  for (const file of files) hash.update(file.path).update('\0').update(createHash('sha256').update(file.content).digest()).update('\0');
  return { files, revision: `sha256:${hash.digest('hex').slice(0, 12)}` };
}
