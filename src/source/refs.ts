import semver from 'semver';
import { FerryError } from '../errors.js';
import type { GitRef } from './types.js';

/**
 * Reads a `--ref` flag: `main` (a branch), `tag:v1.2.0`, `semver:>=1.0.0 <2`, `commit:<sha>` or a
 * bare 40-character SHA, `refs/heads/x`, `refs/tags/x`.
 */
export function parseRefSpec(text: string): GitRef {
  const value = text.trim();
  if (/^[0-9a-f]{40}$/.test(value)) return { commit: value };
  const [prefix, ...rest] = value.split(':');
  const body = rest.join(':');
  if (rest.length > 0 && body) {
    if (prefix === 'branch') return { branch: body };
    if (prefix === 'tag') return { tag: body };
    if (prefix === 'semver') {
      if (!semver.validRange(body)) throw new FerryError('SOURCE_BAD_REF', `semver:${body} is not a valid semver range`);
      return { semver: body };
    }
    if (prefix === 'commit') {
      if (!/^[0-9a-f]{40}$/.test(body)) throw new FerryError('SOURCE_BAD_REF', `commit:${body} is not a full 40-character commit SHA`);
      return { commit: body };
    }
  }
  if (value.startsWith('refs/heads/')) return { branch: value.slice('refs/heads/'.length) };
  if (value.startsWith('refs/tags/')) return { tag: value.slice('refs/tags/'.length) };
  if (!value) throw new FerryError('SOURCE_BAD_REF', 'empty ref');
  return { branch: value };
}

/** How a ref prints in messages. */
export function describeRef(ref: GitRef): string {
  if ('branch' in ref) return `branch ${ref.branch}`;
  if ('tag' in ref) return `tag ${ref.tag}`;
  if ('semver' in ref) return `semver range ${ref.semver}`;
  return `commit ${ref.commit}`;
}

/** The highest tag (by semver, `v` prefix allowed) within `range`, or undefined. */
export function highestMatchingTag(tags: string[], range: string): string | undefined {
  let best: { tag: string; version: string } | undefined;
  for (const tag of tags) {
    const version = semver.valid(tag.replace(/^v/, ''));
    if (!version || !semver.satisfies(version, range)) continue;
    if (!best || semver.gt(version, best.version)) best = { tag, version };
  }
  return best?.tag;
}
