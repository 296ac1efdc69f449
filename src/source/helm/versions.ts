import semver from 'semver';
import { RefNotFoundError, SourceError } from '../errors.js';

/**
 * The highest version that satisfies `range`, as Helm picks one: an exact version, a range such
 * as `>=1.2 <2`, `~1.2.0`, `^1` (comma or space for "and", `||` for "or"), or nothing for the
 * latest stable version. Pre-releases are chosen only when the range names one. `versions` that
 * are not semantic versions are ignored; `what` names the chart in messages.
 */
export function pickVersion(versions: readonly string[], range: string | undefined, what: string): string {
  const wanted = (range ?? '').trim().replace(/\s*,\s*/g, ' ') || '*';
  if (!semver.validRange(wanted)) throw new SourceError('SOURCE_BAD_VERSION', `${what}: version "${range}" is neither a version nor a range (e.g. 1.2.3, ">=1.2 <2", ~1.2)`);
  const valid = versions.filter((version) => semver.valid(version) !== null);
  const picked = semver.maxSatisfying(valid, wanted);
  if (!picked) {
    const known = semver.rsort([...valid]).slice(0, 5).join(', ');
    throw new RefNotFoundError('SOURCE_VERSION_NOT_FOUND', `${what}: no version matches "${range ?? '*'}" (${valid.length === 0 ? 'no versions published' : `newest: ${known}`})`);
  }
  return picked;
}
