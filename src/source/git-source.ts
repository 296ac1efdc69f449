import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describeError } from '../errors.js';
import type { Logger } from '../log/index.js';
import { silentLogger, stripUrlCredentials } from '../log/index.js';
import { RefNotFoundError, SourceTimeoutError } from './errors.js';
import { RepoCache, hasCommit } from './git-cache.js';
import { fetchCommit, fetchRef } from './git-fetch.js';
import { GitObjectReader } from './git-objects.js';
import { GitCommitTree } from './git-tree.js';
import { KeyedLock } from './keyed-lock.js';
import { ObjectCache } from './object-cache.js';
import { describeRef } from './refs.js';
import { openRemote } from './open-remote.js';
import { resolveRemoteRef, type Remote, type ResolvedRef } from './remote-refs.js';
import type { GitCredentials, GitRef, SourceTree } from './types.js';

export interface GitSourceOptions {
  /** Where repositories are cached, one directory per repository URL. */
  cacheDir: string;
  /** Per fetch (default 60 s). */
  timeoutMs?: number;
  /** Files larger than this are refused when read (default 5 MiB). */
  maxFileBytes?: number;
  /** Git objects (trees and blobs) kept in memory once read, in bytes (default 32 MiB; 0 turns it off). */
  objectCacheBytes?: number;
  logger?: Logger;
}

export interface FetchOptions {
  /** Which revision to follow (default: the remote's HEAD, the branch `git clone` checks out). */
  ref?: GitRef;
  credentials?: GitCredentials;
  signal?: AbortSignal;
  /** This fetch's time limit, instead of the source's (a GitSync's `spec.source.timeout`). */
  timeoutMs?: number;
  /**
   * An answer for this repository, ref and credentials that is at most this old is good enough:
   * the GitSyncs polling one repository share one refs round trip per interval instead of one
   * each. Unset (or 0): ask the remote now (a webhook, `ferry sync`).
   */
  maxAgeMs?: number;
}

export interface FetchResult {
  /** The repository URL without credentials. */
  url: string;
  /** The resolved commit SHA. */
  commit: string;
  /**
   * The ref it was resolved from, e.g. `refs/heads/master` (also when no ref was given: the
   * branch the remote's HEAD names) or `refs/tags/v1.2.0`; for a commit ref, the commit.
   */
  ref: string;
  /** False when this ref was at this commit the last time this cache fetched it: nothing was downloaded. */
  changed: boolean;
}

/** A digest of credentials, to key answers by who asked without keeping the secret itself. */
function credentialsDigest(credentials: GitCredentials | undefined): string {
  return credentials ? createHash('sha256').update(JSON.stringify(credentials)).digest('base64') : '';
}

/**
 * Git over HTTP(S) with isomorphic-git, cached per repository URL. A poll costs one refs round
 * trip when nothing moved (and polls of one repository within `maxAgeMs` share that one); a new commit is fetched incrementally (shallow the first time a ref
 * is fetched, a commit ref as shallow as the server allows); concurrent polls of one ref share
 * one fetch, and fetches into one cache directory take turns, each until its download has
 * really stopped (a timeout aborts the requests and waits for that). A failed fetch leaves the
 * cache as it was (RepoCache). Credentials are used for requests only: never logged, never in
 * messages, never in the cache path.
 */
export class GitSource {
  private readonly inFlight = new Map<string, Promise<FetchResult>>();
  /** The last answer per repository, ref and credentials, and when it was asked for (maxAgeMs). */
  private readonly answered = new Map<string, { askedAt: number; result: FetchResult }>();
  private readonly locks = new KeyedLock();
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

  /** Resolves the ref on the remote and makes its commit available locally. */
  fetch(url: string, options: FetchOptions = {}): Promise<FetchResult> {
    const dir = this.cacheDirFor(url);
    const key = `${dir}|${JSON.stringify(options.ref ?? 'HEAD')}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    // Keyed by the credentials too: a client with other credentials (or none) never rides on an
    // answer it might not have been given.
    const answerKey = `${key}|${credentialsDigest(options.credentials)}`;
    const answer = this.answered.get(answerKey);
    if (answer && options.maxAgeMs && Date.now() - answer.askedAt <= options.maxAgeMs) return Promise.resolve({ ...answer.result, changed: false });
    this.lastFetch.set(dir, { url, credentials: options.credentials });
    const stop = new AbortController();
    const askedAt = Date.now();
    const work = this.fetchNow(url, dir, options.ref, options.credentials, stop.signal);
    const result = this.withTimeout(url, work, stop, options).finally(() => this.inFlight.delete(key));
    result.then((fetched) => this.answered.set(answerKey, { askedAt, result: fetched })).catch(() => this.answered.delete(answerKey));
    this.inFlight.set(key, result);
    return result;
  }

  /**
   * The files of `commit` (fetched before), read on demand: listing reads tree objects only, a
   * file's content is read when asked for, and the size limit applies to what is read. When the
   * cache cannot be read, the commit is cloned again once.
   */
  async tree(url: string, commit: string): Promise<SourceTree> {
    const dir = this.cacheDirFor(url);
    const tree = new GitCommitTree({
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

  /** The cache directory of a repository: a hash of its credential-free URL. */
  cacheDirFor(url: string): string {
    const id = createHash('sha256').update(stripUrlCredentials(url)).digest('hex').slice(0, 24);
    return join(this.options.cacheDir, id);
  }

  private async fetchNow(url: string, dir: string, ref: GitRef | undefined, credentials: GitCredentials | undefined, signal: AbortSignal): Promise<FetchResult> {
    const remote = openRemote(url, credentials, signal);
    const resolved = await resolveRemoteRef(remote, ref);
    const cache = new RepoCache(dir, remote.cleanUrl, this.logger);
    const result = (changed: boolean): FetchResult => ({ url: remote.cleanUrl, commit: resolved.commit, ref: resolved.ref, changed });
    if (await cache.holds(resolved.ref, resolved.commit)) return result(false);
    if (this.locks.isBusy(dir)) this.logger.debug({ url: remote.cleanUrl, ref: resolved.ref }, 'waiting for another fetch of this repository to finish');
    return this.locks.run(dir, async () => {
      signal.throwIfAborted();
      await cache.open();
      const before = await cache.lastCommit(resolved.ref);
      if (!(await cache.hasCommit(resolved.commit))) await this.download(remote, cache, ref, resolved, before);
      await cache.record(resolved.ref, resolved.commit);
      this.logger.debug({ url: remote.cleanUrl, ref: resolved.ref, commit: resolved.commit }, 'fetched');
      return result(before !== resolved.commit);
    });
  }

  /** Fetches into a staging directory and moves the result into the cache only when it is whole. */
  private async download(remote: Remote, cache: RepoCache, ref: GitRef | undefined, resolved: ResolvedRef, before: string | undefined): Promise<void> {
    const staging = await cache.stage(before);
    try {
      if (ref && 'commit' in ref) {
        await fetchCommit(remote, staging.gitdir, resolved.commit, ({ depth }) => this.logger.debug({ url: remote.cleanUrl, commit: resolved.commit, depth }, 'fetching commit'));
      } else {
        // A ref fetched before moves incrementally; a ref new to this cache comes shallow.
        await fetchRef(remote, staging.gitdir, resolved.ref, { shallow: before === undefined });
      }
      if (!(await hasCommit(staging.gitdir, resolved.commit))) {
        throw new RefNotFoundError('SOURCE_REF_NOT_FOUND', `${remote.cleanUrl}: ${ref ? describeRef(ref) : resolved.ref} (${resolved.commit.slice(0, 7)}) could not be fetched`);
      }
      await cache.promote(staging);
    } finally {
      await cache.discard(staging);
    }
  }

  /** The cache could not be read: remove it and fetch the commit again, as it was fetched last. */
  private async cloneAgain(url: string, dir: string, commit: string, cause: unknown): Promise<GitObjectReader> {
    const cleanUrl = stripUrlCredentials(url);
    this.logger.warn({ url: cleanUrl, commit, err: describeError(cause) }, 'git cache cannot be read: cloning again');
    const last = this.lastFetch.get(dir);
    await this.locks.run(dir, () => new RepoCache(dir, cleanUrl, this.logger).wipe());
    await this.fetch(last?.url ?? url, { ref: { commit }, ...(last?.credentials ? { credentials: last.credentials } : {}) });
    return new GitObjectReader(join(dir, '.git'), this.objects);
  }

  /**
   * The caller gets an answer within the time limit; the fetch itself is aborted then, and
   * keeps its cache directory until it has stopped.
   */
  private async withTimeout(url: string, work: Promise<FetchResult>, stop: AbortController, options: FetchOptions): Promise<FetchResult> {
    const cleanUrl = stripUrlCredentials(url);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    work.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      const fail = (error: SourceTimeoutError) => {
        stop.abort(error);
        reject(error);
      };
      timer = setTimeout(() => fail(new SourceTimeoutError('SOURCE_TIMEOUT', `${cleanUrl}: no answer within ${timeoutMs / 1000}s`)), timeoutMs);
      onAbort = () => fail(new SourceTimeoutError('SOURCE_CANCELLED', `${cleanUrl}: fetch cancelled`));
      if (options.signal?.aborted) onAbort();
      else options.signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([work, stopped]);
    } finally {
      clearTimeout(timer);
      if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    }
  }
}
