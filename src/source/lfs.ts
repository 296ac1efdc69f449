import { formatBytes } from '../text.js';
import { LfsPointerError } from './errors.js';

// A pointer file is what a Git LFS repository commits instead of the file; it is small, and
// its first line names the spec (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md).
const POINTER = /^version https:\/\/(git-lfs\.github\.com|hawser\.github\.com)\/spec\/v1\n(?:[a-z0-9.-]+ [^\n]*\n)*?oid sha256:[0-9a-f]{64}\n(?:[a-z0-9.-]+ [^\n]*\n)*?size (\d+)\n/;
const MAX_POINTER_BYTES = 1024;

/**
 * Refuses a Git LFS pointer where the file itself is needed: parsed as YAML it would be "not a
 * Kubernetes object", which sends people looking in the wrong place.
 */
export function assertNotLfsPointer(path: string, content: Buffer): void {
  if (content.length > MAX_POINTER_BYTES) return;
  const match = POINTER.exec(content.toString('utf8'));
  if (!match) return;
  const size = Number(match[2]);
  throw new LfsPointerError(
    'SOURCE_LFS_POINTER',
    `${path}: a Git LFS pointer (to a ${formatBytes(size)} object); ferry does not fetch LFS objects: commit the file itself, or keep it out of the sync path`,
    { details: { path, size } },
  );
}
