import git from 'isomorphic-git';
import type { HttpClient, ServerRef } from 'isomorphic-git';
import { withFreshHeaders, type AuthOptions } from './auth.js';
import { RefNotFoundError } from './errors.js';
import { mapGitError } from './git-errors.js';
import { describeRef, highestMatchingTag } from './refs.js';
import type { GitRef } from './types.js';

/** A remote repository as the fetch code talks to it. */
export interface Remote {
  /** The URL isomorphic-git is given (it may carry credentials): for requests only. */
  url: string;
  /** The URL without credentials: for messages, logs and the cache. */
  cleanUrl: string;
  auth: AuthOptions;
  /**
   * Runs one isomorphic-git call with the HTTP client to hand it: the smart-HTTP client, or the
   * SSH transport behind that interface, whose connection is closed when the call returns.
   */
  call<T>(operation: (http: HttpClient) => Promise<T>): Promise<T>;
}

/** What a ref resolved to on the remote. */
export interface ResolvedRef {
  /** The full ref name (`refs/heads/master`), or the commit itself for a commit ref. */
  ref: string;
  commit: string;
}

/**
 * Which commit a ref points to now: one ls-refs round trip (protocol v2, with a prefix), none
 * for a commit. Without a ref, the remote's HEAD: the branch `git clone` checks out, read from
 * HEAD's symref target as `git clone` and Argo CD do.
 */
export async function resolveRemoteRef(remote: Remote, ref: GitRef | undefined): Promise<ResolvedRef> {
  const list = (prefix: string) => listRefs(remote, prefix);
  if (ref === undefined) {
    const head = (await list('HEAD')).find((r) => r.ref === 'HEAD');
    if (!head) {
      throw new RefNotFoundError('SOURCE_REF_NOT_FOUND', `${remote.cleanUrl}: the repository has no HEAD (is it empty?); push a commit to its default branch, or give a ref`);
    }
    // A server that does not report the symref (a detached HEAD) still names a commit.
    return { ref: head.target ?? 'HEAD', commit: head.oid };
  }
  if ('branch' in ref) {
    const found = (await list(`refs/heads/${ref.branch}`)).find((r) => r.ref === `refs/heads/${ref.branch}`);
    if (!found) throw await refNotFound(remote, ref, 'refs/heads/');
    return { ref: found.ref, commit: found.oid };
  }
  if ('tag' in ref) {
    const found = (await list(`refs/tags/${ref.tag}`)).find((r) => r.ref === `refs/tags/${ref.tag}`);
    if (!found) throw await refNotFound(remote, ref, 'refs/tags/');
    return { ref: found.ref, commit: found.peeled ?? found.oid };
  }
  if ('semver' in ref) {
    const refs = (await list('refs/tags/')).filter((r) => !r.ref.endsWith('^{}'));
    const tags = refs.map((r) => r.ref.slice('refs/tags/'.length));
    const best = highestMatchingTag(tags, ref.semver);
    const found = best === undefined ? undefined : refs.find((r) => r.ref === `refs/tags/${best}`);
    if (!found) {
      throw new RefNotFoundError('SOURCE_REF_NOT_FOUND', `${remote.cleanUrl}: no tag matches semver range "${ref.semver}"${tags.length ? ` (tags: ${preview(tags)})` : ' (the repository has no tags)'}`);
    }
    return { ref: found.ref, commit: found.peeled ?? found.oid };
  }
  // A commit names itself: nothing to ask the remote until it has to be fetched.
  return { ref: ref.commit, commit: ref.commit };
}

async function listRefs(remote: Remote, prefix: string): Promise<ServerRef[]> {
  try {
    return await remote.call((http) => git.listServerRefs({ http, url: remote.url, prefix, peelTags: true, symrefs: true, ...withFreshHeaders(remote.auth) }));
  } catch (error) {
    throw mapGitError(error, remote.cleanUrl);
  }
}

async function refNotFound(remote: Remote, ref: GitRef, prefix: string): Promise<RefNotFoundError> {
  const available = (await listRefs(remote, prefix).catch(() => []))
    .map((r) => r.ref.slice(prefix.length))
    .filter((name) => !name.endsWith('^{}'));
  return new RefNotFoundError('SOURCE_REF_NOT_FOUND', `${remote.cleanUrl}: ${describeRef(ref)} not found${available.length ? ` (available: ${preview(available)})` : ''}`);
}

function preview(names: string[]): string {
  return `${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}`;
}
