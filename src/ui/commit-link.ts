/**
 * Links from a revision to its commit page on the forges people use (GitHub, GitLab, Gitea and
 * Forgejo), read from the source URL alone: no request is made, and an unknown host gets no link.
 */
import { stripUrlCredentials } from '../log/index.js';

const COMMIT_SHA = /^[0-9a-f]{40}$/;

/** The web address of a commit, or undefined when the host is not a forge ferry knows. */
export function commitUrl(sourceUrl: string, revision: string): string | undefined {
  // A revision may carry a values digest (`<sha>+values.<hex>`): the commit is the part before.
  const sha = revision.split('+')[0] ?? '';
  if (!COMMIT_SHA.test(sha)) return undefined;
  const web = webRepositoryUrl(sourceUrl);
  if (!web) return undefined;
  const host = new URL(web).hostname;
  if (host === 'github.com' || host.startsWith('github.')) return `${web}/commit/${sha}`;
  if (host === 'gitlab.com' || host.startsWith('gitlab.')) return `${web}/-/commit/${sha}`;
  if (host === 'codeberg.org' || host.startsWith('gitea.') || host.startsWith('forgejo.')) return `${web}/commit/${sha}`;
  return undefined;
}

/** `https://host/owner/repo` from an https or scp-like SSH Git URL, without credentials or `.git`. */
function webRepositoryUrl(sourceUrl: string): string | undefined {
  const scp = /^(?:ssh:\/\/)?[^@/\s]+@([^:/\s]+)[:/](?:\d+\/)?(.+)$/.exec(sourceUrl);
  const candidate = scp ? `https://${scp[1]}/${scp[2]}` : sourceUrl;
  try {
    const url = new URL(stripUrlCredentials(candidate));
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    const path = url.pathname.replace(/\/+$/, '').replace(/\.git$/, '');
    if (path.split('/').filter(Boolean).length < 2) return undefined;
    return `https://${url.host}${path}`;
  } catch {
    return undefined;
  }
}
