import { createHash, randomBytes } from 'node:crypto';
import fs, { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import git from 'isomorphic-git';
import type { Logger } from '../log/index.js';
import { SourceUnreachableError } from './errors.js';

const ORIGIN_FILE = 'ferry-origin';
const REFS_FILE = 'ferry-refs.json';
/** The local branch at the last fetched commit: what a fetch offers the server as a "have". */
export const HAVE_BRANCH = 'ferry-last';

/** A fetch in progress: a Git directory beside the cache, sharing its packs, discarded after. */
export interface Staging {
  gitdir: string;
  /** Pack files the cache held when the staging was made. */
  packsBefore: ReadonlySet<string>;
  /** Shallow commits the cache had when the staging was made. */
  shallowBefore: ReadonlySet<string>;
}

/**
 * The local cache of one repository, `<cache>/<hash of the URL>/.git`, and the rules that keep
 * it usable:
 *
 * - A fetch never writes into the cache. It runs in a staging Git directory beside it whose
 *   packs are hard links to the cache's (so the server is offered what is already here, and the
 *   download stays incremental); only when the fetch succeeded and its packs check out are the
 *   new packs, the shallow list and the refs moved in, each by an atomic rename. A fetch that
 *   breaks off mid-pack leaves the cache exactly as it was. (isomorphic-git writes the shallow
 *   list and refs before the pack, and indexes a truncated pack without checking it: fetched
 *   into the cache directly, one short answer broke every later fetch.)
 * - Opening checks that the cache is the URL's and that what it records can be read; anything
 *   else (a crash between two renames, a disk gone bad, a cache from an older layout) is logged
 *   and cloned again.
 *
 * One process serialises its fetches of a cache (GitSource holds a lock per directory);
 * promotion merges the shallow list rather than overwriting it, so two processes sharing a
 * cache lose nothing either.
 */
export class RepoCache {
  readonly gitdir: string;

  constructor(
    readonly dir: string,
    private readonly cleanUrl: string,
    private readonly logger: Logger,
  ) {
    this.gitdir = join(dir, '.git');
  }

  /** Makes the cache usable: creates it, or clones again (logged) when it is not sound. */
  async open(): Promise<void> {
    await this.removeAbandonedStagings();
    const problem = await this.problem();
    if (problem === undefined) return;
    if (problem !== 'absent') this.logger.warn({ url: this.cleanUrl, problem }, 'git cache is corrupt: cloning again');
    await this.wipe();
    await initRepository(this.gitdir, this.cleanUrl);
    await writeFile(join(this.gitdir, ORIGIN_FILE), `${this.cleanUrl}\n`);
  }

  async wipe(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  async hasCommit(oid: string): Promise<boolean> {
    return hasCommit(this.gitdir, oid);
  }

  /** Whether the cache holds any objects yet (the first fetch is shallow). */
  async isEmpty(): Promise<boolean> {
    return (await this.packs(this.gitdir)).size === 0;
  }

  /**
   * Whether the cache already holds `ref` at `commit`, as this cache recorded it: the unchanged
   * poll. It reads three small files and takes no lock (promotion renames atomically); any
   * doubt answers false and sends the fetch the careful way.
   */
  async holds(ref: string, commit: string): Promise<boolean> {
    const origin = await readFile(join(this.gitdir, ORIGIN_FILE), 'utf8').catch(() => '');
    if (origin.trim() !== this.cleanUrl) return false;
    const last = await this.lastCommit(ref).catch(() => undefined);
    return last === commit && (await this.hasCommit(commit));
  }

  /** The commit `ref` was at when this cache fetched it last. */
  async lastCommit(ref: string): Promise<string | undefined> {
    return (await this.recordedRefs())[ref];
  }

  /** Notes that `ref` is at `commit` (now in the cache), and offers that commit as the next "have". */
  async record(ref: string, commit: string): Promise<void> {
    const refs = { ...(await this.recordedRefs()), [ref]: commit };
    await writeAtomically(join(this.gitdir, REFS_FILE), `${JSON.stringify(refs, null, 2)}\n`);
    await git.writeRef({ fs, gitdir: this.gitdir, ref: `refs/heads/${HAVE_BRANCH}`, value: commit, force: true });
  }

  /**
   * A staging Git directory for one fetch: the cache's config, shallow list and packs, with
   * `have` (or else the last fetched commit) as the commit offered to the server.
   */
  async stage(have?: string): Promise<Staging> {
    const gitdir = join(`${this.dir}.staging-${process.pid}-${randomBytes(4).toString('hex')}`, '.git');
    await mkdir(join(gitdir, 'objects', 'pack'), { recursive: true });
    await mkdir(join(gitdir, 'refs', 'heads'), { recursive: true });
    await copyFile(join(this.gitdir, 'config'), join(gitdir, 'config'));
    await writeFile(join(gitdir, 'HEAD'), `ref: refs/heads/${HAVE_BRANCH}\n`);
    const offered = have ?? (await git.resolveRef({ fs, gitdir: this.gitdir, ref: `refs/heads/${HAVE_BRANCH}` }).catch(() => undefined));
    if (offered) await writeFile(join(gitdir, 'refs', 'heads', HAVE_BRANCH), `${offered}\n`);
    const shallowBefore = await readShallow(this.gitdir);
    if (shallowBefore.size > 0) await copyFile(join(this.gitdir, 'shallow'), join(gitdir, 'shallow'));
    const packsBefore = await this.packs(this.gitdir);
    for (const pack of packsBefore) await linkOrCopy(join(this.gitdir, 'objects', 'pack', pack), join(gitdir, 'objects', 'pack', pack));
    return { gitdir, packsBefore, shallowBefore };
  }

  /**
   * Moves what a fetch added into the cache: the shallow list first (a crash after it leaves a
   * list naming commits the cache lacks, which open() detects), then each new pack before its
   * index (readers look packs up by their index, so they never see half a pack).
   */
  async promote(staging: Staging): Promise<void> {
    const added = [...(await this.packs(staging.gitdir))].filter((pack) => !staging.packsBefore.has(pack));
    for (const pack of added.filter((name) => name.endsWith('.pack'))) await this.assertComplete(join(staging.gitdir, 'objects', 'pack', pack));
    const fetched = await readShallow(staging.gitdir);
    const deepened = [...staging.shallowBefore].filter((oid) => !fetched.has(oid));
    // Shallow commits another process recorded meanwhile stay; those this fetch deepened go.
    const shallow = new Set([...(await readShallow(this.gitdir)), ...fetched]);
    for (const oid of deepened) shallow.delete(oid);
    if (shallow.size > 0) await writeAtomically(join(this.gitdir, 'shallow'), `${[...shallow].join('\n')}\n`);
    else await rm(join(this.gitdir, 'shallow'), { force: true });
    const order = (name: string) => (name.endsWith('.idx') ? 1 : 0);
    for (const pack of added.sort((a, b) => order(a) - order(b))) {
      await rename(join(staging.gitdir, 'objects', 'pack', pack), join(this.gitdir, 'objects', 'pack', pack));
    }
  }

  async discard(staging: Staging): Promise<void> {
    await rm(dirname(staging.gitdir), { recursive: true, force: true });
  }

  /** Why the cache cannot be used as it is, or undefined when it can. */
  private async problem(): Promise<string | undefined> {
    const origin = await readFile(join(this.gitdir, ORIGIN_FILE), 'utf8').catch(() => undefined);
    if (origin === undefined) return fs.existsSync(this.dir) ? 'it has no origin record' : 'absent';
    if (origin.trim() !== this.cleanUrl) return `it holds ${origin.trim()}`;
    if (!(await stat(join(this.gitdir, 'objects', 'pack')).catch(() => undefined))?.isDirectory()) return 'its object store is missing';
    for (const oid of await readShallow(this.gitdir)) {
      if (!(await this.hasCommit(oid))) return `shallow commit ${oid.slice(0, 7)} is missing`;
    }
    const refs = await this.recordedRefs().catch(() => undefined);
    if (!refs) return 'its ref record cannot be read';
    for (const [ref, commit] of Object.entries(refs)) {
      if (!(await this.hasCommit(commit))) return `commit ${commit.slice(0, 7)} of ${ref} is missing`;
    }
    return undefined;
  }

  private async recordedRefs(): Promise<Record<string, string>> {
    const text = await readFile(join(this.gitdir, REFS_FILE), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '{}';
      throw error;
    });
    return JSON.parse(text) as Record<string, string>;
  }

  private async packs(gitdir: string): Promise<Set<string>> {
    return new Set((await readdir(join(gitdir, 'objects', 'pack')).catch(() => [])).filter((name) => /\.(pack|idx)$/.test(name)));
  }

  /**
   * A pack ends with the SHA-1 of everything before it. A pack cut short at a packet boundary
   * parses as a shorter pack, so only this trailer tells it is incomplete.
   */
  private async assertComplete(packPath: string): Promise<void> {
    const size = (await stat(packPath)).size;
    const trailer = Buffer.alloc(20);
    if (size >= 32) {
      const file = await open(packPath, 'r');
      await file.read(trailer, 0, 20, size - 20).finally(() => file.close());
    }
    const hash = createHash('sha1');
    if (size >= 32) {
      await new Promise<void>((resolve, reject) => {
        createReadStream(packPath, { end: size - 21 })
          .on('data', (chunk) => hash.update(chunk))
          .on('error', reject)
          .on('end', resolve);
      });
    }
    if (size < 32 || !hash.digest().equals(trailer)) {
      throw new SourceUnreachableError('SOURCE_FETCH_INCOMPLETE', `${this.cleanUrl}: the server's answer ended before the pack did; nothing was kept, the next fetch tries again`);
    }
  }

  /** Stagings left by a process that died mid-fetch (or by this one: none runs while the lock is held). */
  private async removeAbandonedStagings(): Promise<void> {
    const prefix = `${basename(this.dir)}.staging-`;
    for (const name of await readdir(dirname(this.dir)).catch(() => [] as string[])) {
      if (!name.startsWith(prefix)) continue;
      const pid = Number(name.slice(prefix.length).split('-')[0]);
      if (pid !== process.pid && isAlive(pid)) continue;
      await rm(join(dirname(this.dir), name), { recursive: true, force: true });
    }
  }
}

async function initRepository(gitdir: string, cleanUrl: string): Promise<void> {
  await mkdir(gitdir, { recursive: true });
  await git.init({ fs, dir: dirname(gitdir), gitdir, defaultBranch: HAVE_BRANCH });
  await git.addRemote({ fs, gitdir, remote: 'origin', url: cleanUrl });
}

/** The commits a Git directory's history is cut off at (its `shallow` file). */
export async function readShallow(gitdir: string): Promise<Set<string>> {
  const text = await readFile(join(gitdir, 'shallow'), 'utf8').catch(() => '');
  return new Set(text.split('\n').map((line) => line.trim()).filter(Boolean));
}

/** Whether a Git directory holds a commit (and can read it). */
export async function hasCommit(gitdir: string, oid: string): Promise<boolean> {
  return git.readCommit({ fs, gitdir, oid }).then(
    () => true,
    () => false,
  );
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  await link(from, to).catch(() => copyFile(from, to));
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
