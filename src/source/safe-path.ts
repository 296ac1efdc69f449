import { posix } from 'node:path';
import { UnsafePathError } from './errors.js';

/** Normalizes a sync path (`./apps/web/` → `apps/web`), refusing `..` and absolute paths. */
export function normalizeSyncPath(path: string | undefined): string {
  const raw = (path ?? '.').replace(/\\/g, '/');
  if (raw.split('/').includes('..')) throw new UnsafePathError('SOURCE_UNSAFE_PATH', `path "${path}": ".." is not allowed; give a path inside the repository`);
  if (raw.startsWith('/')) throw new UnsafePathError('SOURCE_UNSAFE_PATH', `path "${path}" must be relative to the repository root`);
  const normalized = posix.normalize(raw).replace(/\/$/, '');
  return normalized === '.' ? '' : normalized.replace(/^\.\//, '');
}

/** True when `file` is `dir` itself or inside it (`''` is the root and holds everything). */
export function isUnder(file: string, dir: string): boolean {
  return dir === '' || file === dir || file.startsWith(`${dir}/`);
}

/**
 * Resolves a symlink's target relative to the link, refusing targets outside the repository.
 * Returns the repository-relative path of the target.
 */
export function resolveLinkTarget(linkPath: string, target: string): string {
  if (target.startsWith('/')) throw new UnsafePathError('SOURCE_UNSAFE_PATH', `${linkPath}: symlink to the absolute path "${target}" refused`);
  const resolved = posix.normalize(posix.join(posix.dirname(linkPath), target));
  if (resolved === '..' || resolved.startsWith('../')) {
    throw new UnsafePathError('SOURCE_UNSAFE_PATH', `${linkPath}: symlink to "${target}" points outside the repository; refused`);
  }
  return resolved;
}
