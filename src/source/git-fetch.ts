import fs from 'node:fs';
import git, { type HttpClient } from 'isomorphic-git';
import { withFreshHeaders } from './auth.js';
import { RefNotFoundError } from './errors.js';
import { HAVE_BRANCH, hasCommit, readShallow } from './git-cache.js';
import { mapGitError } from './git-errors.js';
import type { Remote } from './remote-refs.js';

/**
 * Fetches what a ref points to into `gitdir`: shallow (depth 1) into an empty cache, and
 * without depth into one that has history, offering the last fetched commit as a "have": a
 * shallow re-fetch would download the whole tree again (isomorphic-git asks for no thin
 * pack), a depth-less one only what changed.
 */
export async function fetchRef(remote: Remote, gitdir: string, ref: string, options: { shallow: boolean }): Promise<void> {
  await guarded(remote, (http) =>
    git.fetch({
      fs,
      http,
      gitdir,
      url: remote.url,
      ref: HAVE_BRANCH,
      remoteRef: ref,
      singleBranch: true,
      tags: false,
      ...(options.shallow ? { depth: 1 } : {}),
      ...withFreshHeaders(remote.auth),
    }),
  );
}

/**
 * Fetches one commit by its SHA, as little history as it takes.
 *
 * isomorphic-git's public `fetch` can want a raw SHA: a 40-character `remoteRef` resolves to
 * itself (GitRefManager.resolveAgainstMap) and becomes the single `want` line, with `deepen 1`
 * from `depth`; nothing else of the library is needed. Upload-pack grants that want when the
 * commit is a ref tip, or when the server advertises `allow-reachable-sha1-in-want` /
 * `allow-tip-sha1-in-want` (the big hosts do). Otherwise (or when the server took the want but
 * sent nothing) every branch and tag is fetched at depth 1 and then deepened relative to what
 * is here, four times as deep each step, until the commit arrives or the history ends: at most
 * four times the history between the tips and the commit, never all of it.
 */
export async function fetchCommit(remote: Remote, gitdir: string, commit: string, onStep?: (step: { depth: number }) => void): Promise<void> {
  const info = await guarded(remote, (http) => git.getRemoteInfo2({ http, url: remote.url, protocolVersion: 1, ...withFreshHeaders(remote.auth) }));
  // Only what is advertised: upload-pack marks a tag's object as ours, not the commit it peels
  // to, and refuses that commit (`not our ref`) unless the server allows more.
  const tips = new Set((info.refs ?? []).map((ref) => ref.oid));
  const capabilities = info.capabilities as Record<string, unknown>;
  if (tips.has(commit) || capabilities['allow-reachable-sha1-in-want'] || capabilities['allow-tip-sha1-in-want']) {
    onStep?.({ depth: 1 });
    await guarded(remote, (http) =>
      git.fetch({ fs, http, gitdir, url: remote.url, ref: HAVE_BRANCH, remoteRef: commit, singleBranch: true, tags: false, depth: 1, ...withFreshHeaders(remote.auth) }),
    );
    if (await hasCommit(gitdir, commit)) return;
  }
  let shallow = await readShallow(gitdir);
  // Depth 1, then 4, 16, 64 … commits from the tips: upload-pack sends each newly reached
  // boundary's whole tree again, so a few long steps cost less than many short ones.
  for (let reached = 0; ; ) {
    const depth = reached === 0 ? 1 : reached * 3;
    onStep?.({ depth: reached + depth });
    await guarded(remote, (http) =>
      git.fetch({ fs, http, gitdir, url: remote.url, ref: HAVE_BRANCH, remoteRef: 'HEAD', singleBranch: false, tags: true, depth, relative: reached > 0, ...withFreshHeaders(remote.auth) }),
    );
    if (await hasCommit(gitdir, commit)) return;
    const now = await readShallow(gitdir);
    // No shallow boundary left, or none moved: the whole history is here and the commit is not.
    if (now.size === 0 || (reached > 0 && sameSet(now, shallow))) {
      throw new RefNotFoundError('SOURCE_REF_NOT_FOUND', `${remote.cleanUrl}: commit ${commit} is not in the history of any branch or tag`);
    }
    shallow = now;
    reached += depth;
  }
}

async function guarded<T>(remote: Remote, operation: (http: HttpClient) => Promise<T>): Promise<T> {
  try {
    return await remote.call(operation);
  } catch (error) {
    throw mapGitError(error, remote.cleanUrl);
  }
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((item) => b.has(item));
}
