import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import git, { Errors } from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import type { Logger } from '../log/index.js';
import { silentLogger, stripUrlCredentials } from '../log/index.js';
import { describeError } from '../errors.js';
import {
  AuthenticationError,
  PathNotFoundError,
  RefNotFoundError,
  RepositoryNotFoundError,
  SourceError,
  SourceTimeoutError,
  SourceUnreachableError,
} from './errors.js';
import { describeRef, highestMatchingTag } from './refs.js';
import { normalizeSyncPath } from './safe-path.js';
import type { GitCredentials, GitRef, SourceFile, SourceTree } from './types.js';
import { ObjectCache } from './object-cache.js';
import { GitObjectReader } from './git-objects.js';
import { GitCommitTree } from './git-tree.js';

export interface GitSourceOptions {
  /** Where repositories are cached, one directory per repository URL. */
  cacheDir: string;
  /** Per fetch (default 60 s). */
  timeoutMs?: number;
  /** Files larger than this are refused (default 5 MiB). */
  maxFileBytes?: number;
  /** Git objects (trees and blobs) kept in memory once read, in bytes (default 32 MiB; 0 turns it off). */
  objectCacheBytes?: number;
  logger?: Logger;
}

export interface FetchResult {
  /** The repository URL without credentials. */
  url: string;
  /** The resolved commit SHA. */
  commit: string;
  /** The ref it was resolved from, e.g. `refs/heads/main` or `refs/tags/v1.2.0`. */
  ref: string;
  /** False when the commit is the one this cache fetched last time: nothing was downloaded. */
  changed: boolean;
}

const ORIGIN_FILE = 'ferry-origin';
const LAST_FILE = 'ferry-last-commit';
const HAVE_BRANCH = 'ferry-last';

/**
 * Git over HTTP(S) with isomorphic-git, cached per repository URL. A poll costs one refs round
 * trip when nothing moved; a new commit is fetched incrementally (shallow on the first clone);
 * concurrent polls of one repository share one fetch. Credentials are used for requests only:
 * never logged, never in messages, never in the cache path.
 */
export class GitSource {
  private readonly inFlight = new Map<string, Promise<FetchResult>>();
  private readonly objects: ObjectCache;
  /** How each repository was last fetched, to clone a commit again when its cache breaks. */
  private readonly lastFetch = new Map<string, { url: string; credentials: GitCredentials | undefined }>();
  private readonly timeoutMs: number;
  private readonly maxFileBytes: number;
  private readonly logger: Logger;

  constructor(private readonly options: GitSourceOptions) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.maxFileBytes = options.maxFileBytes ?? 5 * 1024 * 1024;
    this.logger = options.logger ?? silentLogger();
    this.objects = new ObjectCache(options.objectCacheBytes ?? 32 * 1024 * 1024);
  }

  /** Resolves `ref` on the remote and makes its commit available locally. */
  fetch(url: string, ref: GitRef = { branch: 'main' }, credentials?: GitCredentials, signal?: AbortSignal): Promise<FetchResult> {
    const dir = this.cacheDirFor(url);
    const key = `${dir}|${JSON.stringify(ref)}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    this.lastFetch.set(dir, { url, credentials });
    const work = this.withTimeout(url, this.fetchNow(url, dir, ref, credentials), signal).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, work);
    return work;
  }

  /**
   * The files of `commit` (fetched before), read on demand: listing reads tree objects only, a
   * file's content is read when asked for, and the size limit applies to what is read. When the
   * cache cannot be read, the commit is cloned again once.
   */
  async tree(url: string, commit: string): Promise<SourceTree> {
    return this.openTree(url, commit, false);
  }

  private async openTree(url: string, commit: string, wholeRepository: boolean): Promise<SourceTree> {
    const dir = this.cacheDirFor(url);
    const tree = new GitCommitTree({
      wholeRepository,
      url: stripUrlCredentials(url),
      commit,
      maxFileBytes: this.maxFileBytes,
      reader: new GitObjectReader(join(dir, '.git'), this.objects),
      recover: (cause) => this.cloneAgain(url, dir, commit, cause),
    });
    // A commit that was never fetched fails here, not at the first read.
    await tree.stat('');
    return tree;
  }

  /** Every file under `path` at `commit`, read whole; for callers that do not take a SourceTree yet. */
  async readFiles(url: string, commit: string, path?: string): Promise<SourceFile[]> {
    const tree = await this.openTree(url, commit, true);
    const root = normalizeSyncPath(path);
    if ((await tree.stat(root)) === 'missing') {
      throw new PathNotFoundError('SOURCE_PATH_NOT_FOUND', `${stripUrlCredentials(url)}: path "${root}" does not exist at commit ${commit.slice(0, 7)}`);
    }
    const paths = (await tree.stat(root)) === 'file' ? [root] : await tree.listFiles(root);
    return Promise.all(paths.map((file) => tree.readFile(file)));
  }

  /** The cache could not be read: remove it and fetch the commit again, as it was fetched last. */
  private async cloneAgain(url: string, dir: string, commit: string, cause: unknown): Promise<GitObjectReader> {
    const cleanUrl = stripUrlCredentials(url);
    this.logger.warn({ url: cleanUrl, commit, err: describeError(cause) }, 'git cache cannot be read: cloning again');
    const last = this.lastFetch.get(dir);
    await rm(dir, { recursive: true, force: true });
    await this.fetch(last?.url ?? url, { commit }, last?.credentials);
    return new GitObjectReader(join(dir, '.git'), this.objects);
  }

  /** The cache directory of a repository: a hash of its credential-free URL. */
  cacheDirFor(url: string): string {
    const id = createHash('sha256').update(stripUrlCredentials(url)).digest('hex').slice(0, 24);
    return join(this.options.cacheDir, id);
  }

  private async fetchNow(url: string, dir: string, ref: GitRef, credentials: GitCredentials | undefined): Promise<FetchResult> {
    const cleanUrl = stripUrlCredentials(url);
    const auth = authOptions(credentials);
    const { refName, commit } = await this.resolveRemote(url, ref, auth);
    await this.ensureCache(dir, cleanUrl);
    const last = await readFile(join(dir, '.git', LAST_FILE), 'utf8').catch(() => '');
    if (last.trim() === `${refName} ${commit}` && (await hasCommit(dir, commit))) {
      return { url: cleanUrl, commit, ref: refName, changed: false };
    }
    if (!(await hasCommit(dir, commit))) await this.download(url, dir, refName, ref, commit, auth);
    if (!(await hasCommit(dir, commit))) {
      throw new RefNotFoundError('SOURCE_REF_NOT_FOUND', `${cleanUrl}: ${describeRef(ref)} (${commit.slice(0, 7)}) could not be fetched`);
    }
    await writeFile(join(dir, '.git', LAST_FILE), `${refName} ${commit}\n`);
    this.logger.debug({ url: cleanUrl, ref: refName, commit }, 'fetched');
    return { url: cleanUrl, commit, ref: refName, changed: true };
  }

  /** One refs round trip: which commit does the ref point to now? */
  private async resolveRemote(url: string, ref: GitRef, auth: AuthOptions): Promise<{ refName: string; commit: string }> {
    const cleanUrl = stripUrlCredentials(url);
    const list = async (prefix: string) => {
      try {
        // isomorphic-git adds its protocol header to the headers object it is given: pass a copy.
        return await git.listServerRefs({ http, url, prefix, peelTags: true, symrefs: true, ...auth, ...(auth.headers ? { headers: { ...auth.headers } } : {}) });
      } catch (error) {
        throw mapGitError(error, cleanUrl);
      }
    };
    if ('branch' in ref) {
      const refs = await list(`refs/heads/${ref.branch}`);
      const found = refs.find((r) => r.ref === `refs/heads/${ref.branch}`);
      if (!found) throw await this.refNotFound(cleanUrl, ref, list, 'refs/heads/');
      return { refName: found.ref, commit: found.oid };
    }
    if ('tag' in ref) {
      const refs = await list(`refs/tags/${ref.tag}`);
      const found = refs.find((r) => r.ref === `refs/tags/${ref.tag}`);
      if (!found) throw await this.refNotFound(cleanUrl, ref, list, 'refs/tags/');
      return { refName: found.ref, commit: found.peeled ?? found.oid };
    }
    if ('semver' in ref) {
      const refs = (await list('refs/tags/')).filter((r) => !r.ref.endsWith('^{}'));
      const tags = refs.map((r) => r.ref.slice('refs/tags/'.length));
      const best = highestMatchingTag(tags, ref.semver);
      if (!best) {
        throw new RefNotFoundError('SOURCE_REF_NOT_FOUND', `${cleanUrl}: no tag matches semver range "${ref.semver}"${tags.length ? ` (tags: ${tags.slice(0, 8).join(', ')}${tags.length > 8 ? ', …' : ''})` : ' (the repository has no tags)'}`);
      }
      const found = refs.find((r) => r.ref === `refs/tags/${best}`) as { ref: string; oid: string; peeled?: string };
      return { refName: found.ref, commit: found.peeled ?? found.oid };
    }
    // A commit: it must be reachable from the default branch, which is fetched whole.
    const head = (await list('HEAD')).find((r) => r.ref === 'HEAD');
    const branch = head?.target ?? 'refs/heads/main';
    return { refName: branch, commit: ref.commit };
  }

  private async refNotFound(url: string, ref: GitRef, list: (prefix: string) => Promise<Array<{ ref: string }>>, prefix: string): Promise<RefNotFoundError> {
    const available = (await list(prefix).catch(() => []))
      .map((r) => r.ref.slice(prefix.length))
      .filter((name) => !name.endsWith('^{}'));
    return new RefNotFoundError(
      'SOURCE_REF_NOT_FOUND',
      `${url}: ${describeRef(ref)} not found${available.length ? ` (available: ${available.slice(0, 8).join(', ')}${available.length > 8 ? ', …' : ''})` : ''}`,
    );
  }

  private async download(url: string, dir: string, refName: string, ref: GitRef, commit: string, auth: AuthOptions): Promise<void> {
    const cleanUrl = stripUrlCredentials(url);
    const isCommit = 'commit' in ref;
    const empty = !(await git.resolveRef({ fs, dir, ref: 'HEAD' }).catch(() => undefined)) && !(await hasAnyRef(dir));
    try {
      // The first fetch is shallow; later ones are not: a shallow re-fetch would download the
      // whole tree again (no thin pack), a depth-less one only what changed.
      await git.fetch({
        fs,
        http,
        dir,
        url,
        // `ref` names the local branch whose commit is offered as a "have": the last fetched one,
        // whatever ref kind it came from, so a new commit downloads only what changed.
        ref: HAVE_BRANCH,
        remoteRef: refName,
        singleBranch: true,
        tags: false,
        ...(empty && !isCommit ? { depth: 1 } : {}),
        ...auth,
        ...(auth.headers ? { headers: { ...auth.headers } } : {}),
      });
      if (await hasCommit(dir, commit)) await git.writeRef({ fs, dir, ref: `refs/heads/${HAVE_BRANCH}`, value: commit, force: true });
    } catch (error) {
      throw mapGitError(error, cleanUrl);
    }
  }

  /** A cache that is corrupt or belongs to another URL is removed and cloned again. */
  private async ensureCache(dir: string, cleanUrl: string): Promise<void> {
    const origin = await readFile(join(dir, '.git', ORIGIN_FILE), 'utf8').catch(() => undefined);
    const healthy = origin?.trim() === cleanUrl && (await git.findRoot({ fs, filepath: dir }).then(() => true, () => false)) && (await isReadable(dir));
    if (healthy) return;
    if (origin !== undefined || fs.existsSync(dir)) this.logger.info({ url: cleanUrl }, 'git cache is corrupt or from another repository: cloning again');
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(dir, '.git'), { recursive: true });
    await git.init({ fs, dir, defaultBranch: 'main' });
    await git.addRemote({ fs, dir, remote: 'origin', url: cleanUrl });
    await writeFile(join(dir, '.git', ORIGIN_FILE), `${cleanUrl}\n`);
  }

  private async withTimeout<T>(url: string, work: Promise<T>, signal?: AbortSignal): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new SourceTimeoutError('SOURCE_TIMEOUT', `${stripUrlCredentials(url)}: no answer within ${this.timeoutMs / 1000}s`)), this.timeoutMs);
      signal?.addEventListener('abort', () => reject(new SourceTimeoutError('SOURCE_CANCELLED', `${stripUrlCredentials(url)}: fetch cancelled`)), { once: true });
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

type AuthOptions = {
  onAuth?: () => { username: string; password: string };
  onAuthFailure?: () => { cancel: true };
  headers?: Record<string, string>;
};

function authOptions(credentials: GitCredentials | undefined): AuthOptions {
  if (credentials?.bearerToken) return { headers: { Authorization: `Bearer ${credentials.bearerToken}` }, onAuthFailure: () => ({ cancel: true }) };
  if (credentials?.password !== undefined || credentials?.username !== undefined) {
    const username = credentials.username ?? 'git';
    const password = credentials.password ?? '';
    return { onAuth: () => ({ username, password }), onAuthFailure: () => ({ cancel: true }) };
  }
  return { onAuthFailure: () => ({ cancel: true }) };
}

async function hasCommit(dir: string, oid: string): Promise<boolean> {
  try {
    await git.readCommit({ fs, dir, oid });
    return true;
  } catch {
    return false;
  }
}

async function hasAnyRef(dir: string): Promise<boolean> {
  const refs = await git.listRefs({ fs, dir, filepath: 'refs' }).catch(() => []);
  return refs.length > 0;
}

async function isReadable(dir: string): Promise<boolean> {
  const last = await readFile(join(dir, '.git', LAST_FILE), 'utf8').catch(() => '');
  const commit = last.trim().split(' ')[1];
  return !commit || (await hasCommit(dir, commit));
}

/** isomorphic-git's errors → ours, with the URL stripped of credentials. */
function mapGitError(error: unknown, url: string): SourceError {
  if (error instanceof SourceError) return error;
  const e = error as { code?: string; data?: { statusCode?: number; statusMessage?: string }; message?: string; cause?: { code?: string } };
  const status = e.data?.statusCode;
  if (e.code === Errors.UserCanceledError.code || status === 401 || status === 403) {
    return new AuthenticationError('SOURCE_AUTH_FAILED', `${url}: authentication failed (HTTP ${status ?? 401}); check the credentials Secret (username/password or bearerToken)`, { cause: error });
  }
  if (status === 404) return new RepositoryNotFoundError('SOURCE_REPO_NOT_FOUND', `${url}: repository not found (HTTP 404)`, { cause: error });
  if (e.code === Errors.NotFoundError.code) return new RefNotFoundError('SOURCE_REF_NOT_FOUND', `${url}: ${e.message ?? 'ref not found'}`, { cause: error });
  const network = e.code && /^E[A-Z]+/.test(e.code) ? e.code : e.cause?.code;
  if (network || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|ECONNRESET|socket hang up/.test(e.message ?? '')) {
    return new SourceUnreachableError('SOURCE_UNREACHABLE', `${url}: unreachable (${network ?? e.message})`, { cause: error });
  }
  if (status) return new SourceUnreachableError('SOURCE_UNREACHABLE', `${url}: the Git server answered HTTP ${status}${e.data?.statusMessage ? ` ${e.data.statusMessage}` : ''}`, { cause: error });
  return new SourceError('SOURCE_FAILED', `${url}: ${(e.message ?? String(error)).split(url).join('')}`, { cause: error });
}
