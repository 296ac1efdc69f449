import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GitSource, type SourceFile } from '../../src/source/index.js';
import { startGitServer, type GitServer } from '../support/git-server.js';

const manifest = (name: string, value = '1') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;
const paths = (files: SourceFile[]) => files.map((f) => f.path);
/** The files under `path` at `commit`, read through the commit's tree. */
const filesUnder = async (source: GitSource, url: string, commit: string, path: string) => {
  const tree = await source.tree(url, commit);
  return Promise.all((await tree.listFiles(path)).map((file) => tree.readFile(file)));
};

let server: GitServer;
let cacheDir: string;
let repoCounter = 0;

beforeAll(async () => {
  server = await startGitServer();
});
afterAll(async () => {
  await server.stop();
});
const newCache = () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'ferry-cache-'));
  return new GitSource({ cacheDir, timeoutMs: 20_000 });
};
afterEach(() => {
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});
const newRepo = async (files: Record<string, string> = { 'deploy/app.yaml': manifest('app') }) => {
  const repo = await server.createRepo(`repo-${++repoCounter}`);
  const sha = await repo.commitAndPush(files, 'first');
  return { repo, sha };
};

describe('GitSource against git http-backend', () => {
  it('the test server serves a clone to the real git', async () => {
    const { repo } = await newRepo();
    const target = mkdtempSync(join(tmpdir(), 'ferry-clone-'));
    await new Promise<void>((resolve, reject) => execFile('git', ['clone', '--quiet', repo.url, target], (error) => (error ? reject(error) : resolve())));
    expect(readdirSync(join(target, 'deploy'))).toEqual(['app.yaml']);
    rmSync(target, { recursive: true, force: true });
  });

  it('clones a branch and reads the files under a path at the resolved commit', async () => {
    const { repo, sha } = await newRepo({ 'deploy/a.yaml': manifest('a'), 'deploy/nested/b.yml': manifest('b'), 'docs/readme.md': '# hi' });
    const source = newCache();
    const result = await source.fetch(repo.url, { ref: { branch: 'main' } });
    expect(result).toEqual({ url: repo.url, commit: sha, ref: 'refs/heads/main', changed: true });
    expect(paths(await filesUnder(source, repo.url, sha, 'deploy'))).toEqual(['deploy/a.yaml', 'deploy/nested/b.yml']);
  });

  it('follows the remote HEAD when no ref is given: a repository whose default branch is master', async () => {
    const repo = await server.createRepo(`master-${++repoCounter}`, { defaultBranch: 'master' });
    const sha = await repo.commitAndPush({ 'deploy/app.yaml': manifest('app') });
    const source = newCache();
    expect(await source.fetch(repo.url)).toEqual({ url: repo.url, commit: sha, ref: 'refs/heads/master', changed: true });
    expect(paths(await filesUnder(source, repo.url, sha, 'deploy'))).toEqual(['deploy/app.yaml']);
    expect(await source.fetch(repo.url)).toMatchObject({ commit: sha, ref: 'refs/heads/master', changed: false });
  });

  it('follows the remote HEAD to another branch when the repository changes its default', async () => {
    const { repo } = await newRepo();
    await repo.git('checkout', '--quiet', '-b', 'trunk');
    const trunk = await repo.commitAndPush({ 'deploy/app.yaml': manifest('app', 'trunk') });
    const source = newCache();
    await source.fetch(repo.url);
    await new Promise<void>((resolve, reject) => execFile('git', ['symbolic-ref', 'HEAD', 'refs/heads/trunk'], { cwd: repo.bareDir }, (error) => (error ? reject(error) : resolve())));
    expect(await source.fetch(repo.url)).toMatchObject({ commit: trunk, ref: 'refs/heads/trunk', changed: true });
  });

  it('says so when the repository has no HEAD to follow (nothing pushed yet)', async () => {
    const repo = await server.createRepo(`empty-${++repoCounter}`);
    await expect(newCache().fetch(repo.url)).rejects.toMatchObject({
      code: 'SOURCE_REF_NOT_FOUND',
      message: `${repo.url}: the repository has no HEAD (is it empty?); push a commit to its default branch, or give a ref`,
    });
  });

  it('an unchanged poll costs one refs round trip, downloads nothing and says unchanged', async () => {
    const { repo, sha } = await newRepo();
    const source = newCache();
    await source.fetch(repo.url);
    server.resetRequests();
    const again = await source.fetch(repo.url);
    expect(again).toMatchObject({ commit: sha, changed: false });
    expect(server.requests).toHaveLength(2); // info/refs discovery + one ls-refs (protocol v2)
    expect(server.requests.filter((r) => r.method === 'POST' && r.service === 'git-upload-pack').length).toBeLessThanOrEqual(1);
    expect(server.requests.reduce((sum, r) => sum + r.bytesOut, 0)).toBeLessThan(2_000);
  });

  it('fetches a new commit incrementally into the same cache', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`deploy/cm-${i}.yaml`] = manifest(`cm-${i}`, `value number ${i} `.repeat(20));
    const { repo } = await newRepo(files);
    const source = newCache();
    server.resetRequests();
    await source.fetch(repo.url);
    const cloned = server.requests.reduce((sum, r) => sum + r.bytesOut, 0);
    const second = await repo.commitAndPush({ 'deploy/cm-0.yaml': manifest('cm-0', '2') }, 'change one');
    server.resetRequests();
    const result = await source.fetch(repo.url);
    expect(result).toMatchObject({ commit: second, changed: true });
    const downloaded = server.requests.reduce((sum, r) => sum + r.bytesOut, 0);
    // One changed file: a small fraction of the first (shallow) clone.
    expect(downloaded).toBeLessThan(cloned / 4);
    const read = await filesUnder(source, repo.url, second, 'deploy');
    expect(read.find((f) => f.path === 'deploy/cm-0.yaml')?.content.toString()).toContain('"2"');
  });

  it('resolves tags, semver ranges and commits', async () => {
    const { repo, sha: first } = await newRepo();
    await repo.tag('v1.0.0');
    const second = await repo.commitAndPush({ 'deploy/app.yaml': manifest('app', '2') });
    await repo.tag('v1.2.0', { annotated: true });
    const third = await repo.commitAndPush({ 'deploy/app.yaml': manifest('app', '3') });
    await repo.tag('v2.0.0');
    const source = newCache();
    expect((await source.fetch(repo.url, { ref: { tag: 'v1.0.0' } })).commit).toBe(first);
    expect(await source.fetch(repo.url, { ref: { semver: '>=1.0.0 <2.0.0' } })).toMatchObject({ commit: second, ref: 'refs/tags/v1.2.0' });
    expect((await source.fetch(repo.url, { ref: { semver: '^2' } })).commit).toBe(third);
    expect((await source.fetch(repo.url, { ref: { commit: second } })).commit).toBe(second);
    const files = await filesUnder(source, repo.url, second, 'deploy');
    expect(files[0]?.content.toString()).toContain('"2"');
  });

  it('names the ref and what exists when a ref is not found', async () => {
    const { repo } = await newRepo();
    await repo.tag('v1.0.0');
    const source = newCache();
    await expect(source.fetch(repo.url, { ref: { branch: 'nope' } })).rejects.toMatchObject({ code: 'SOURCE_REF_NOT_FOUND', message: `${repo.url}: branch nope not found (available: main)` });
    await expect(source.fetch(repo.url, { ref: { semver: '>=5' } })).rejects.toThrow(/no tag matches semver range ">=5" \(tags: v1.0.0\)/);
  });

  it('follows a force-pushed branch', async () => {
    const { repo } = await newRepo();
    const source = newCache();
    await source.fetch(repo.url);
    await repo.git('commit', '--amend', '--quiet', '-m', 'rewritten', '--allow-empty');
    const rewritten = await repo.git('rev-parse', 'HEAD');
    await repo.push({ force: true });
    expect(await source.fetch(repo.url)).toMatchObject({ commit: rewritten, changed: true });
  });

  it('reports a deleted branch as a missing ref', async () => {
    const { repo } = await newRepo();
    await repo.git('push', '--quiet', 'origin', 'HEAD:refs/heads/feature');
    const source = newCache();
    await source.fetch(repo.url, { ref: { branch: 'feature' } });
    await repo.deleteRemoteRef('refs/heads/feature');
    await expect(source.fetch(repo.url, { ref: { branch: 'feature' } })).rejects.toMatchObject({ code: 'SOURCE_REF_NOT_FOUND' });
  });

  it('reports a missing repository and an unreachable server clearly', async () => {
    const source = newCache();
    await expect(source.fetch(server.repoUrl('does-not-exist'))).rejects.toMatchObject({ code: 'SOURCE_REPO_NOT_FOUND' });
    await expect(source.fetch('http://127.0.0.1:1/none.git')).rejects.toMatchObject({ code: 'SOURCE_UNREACHABLE' });
  });

  it('reports a server that went down, then recovers when it is back', async () => {
    const { repo } = await newRepo();
    const source = newCache();
    await server.pause();
    try {
      await expect(source.fetch(repo.url)).rejects.toMatchObject({ code: 'SOURCE_UNREACHABLE' });
    } finally {
      await server.resume();
    }
    await expect(source.fetch(repo.url)).resolves.toMatchObject({ changed: true });
  });

  it('shares one fetch between concurrent polls of the same repository', async () => {
    const { repo } = await newRepo();
    const source = newCache();
    server.resetRequests();
    const results = await Promise.all([source.fetch(repo.url), source.fetch(repo.url), source.fetch(repo.url)]);
    expect(new Set(results.map((r) => r.commit)).size).toBe(1);
    expect(server.requests.filter((r) => r.method === 'POST' && r.service === 'git-upload-pack').length).toBeLessThanOrEqual(2);
  });

  it('polls of one repository and ref within maxAgeMs share one refs round trip; other credentials or a fresh poll ask again', async () => {
    const { repo, sha } = await newRepo();
    const source = newCache();
    await source.fetch(repo.url);
    server.resetRequests();
    const polls = [];
    for (let i = 0; i < 5; i++) polls.push(await source.fetch(repo.url, { maxAgeMs: 60_000 }));
    expect(polls.map((p) => p.commit)).toEqual(Array(5).fill(sha));
    expect(polls.every((p) => !p.changed)).toBe(true);
    const refsRoundTrips = () => server.requests.filter((r) => r.method === 'GET' && r.service === 'git-upload-pack').length;
    expect(refsRoundTrips()).toBe(0); // the first fetch above resolved the ref a moment ago
    await source.fetch(repo.url, { maxAgeMs: 60_000, credentials: { username: 'other', password: 'secret' } });
    expect(refsRoundTrips()).toBe(1); // a client with other credentials never rides on another's answer
    await source.fetch(repo.url);
    expect(refsRoundTrips()).toBe(2); // no maxAgeMs: a fresh answer (a webhook, `ferry sync`)
    const moved = await repo.commitAndPush({ 'deploy/app.yaml': manifest('app', '2') }, 'second');
    expect((await source.fetch(repo.url, { maxAgeMs: 60_000 })).commit).toBe(sha); // within the age: the answer shared
    expect((await source.fetch(repo.url, { maxAgeMs: 0 })).commit).toBe(moved);
  });

  it('re-clones a corrupt cache and a cache from another URL', async () => {
    const { repo, sha } = await newRepo();
    const source = newCache();
    await source.fetch(repo.url);
    const dir = source.cacheDirFor(repo.url);
    rmSync(join(dir, '.git', 'objects'), { recursive: true, force: true });
    expect(await source.fetch(repo.url)).toMatchObject({ commit: sha, changed: true });
    writeFileSync(join(dir, '.git', 'ferry-origin'), 'http://elsewhere.invalid/other.git\n');
    expect(await source.fetch(repo.url)).toMatchObject({ commit: sha, changed: true });
  });

});

describe('GitSource credentials', () => {
  it.each([
    ['basic', { username: 'deploy', password: 's3cret-pass' }, { username: 'deploy', password: 's3cret-pass' }, { username: 'deploy', password: 'wrong-pass-123' }],
    ['bearer', { bearerToken: 'tok-123456' }, { bearerToken: 'tok-123456' }, { bearerToken: 'bad-token-999' }],
  ] as const)('%s auth: works with the right credentials, fails clearly without leaking the wrong ones', async (_kind, auth, good, bad) => {
    const secured = await startGitServer({ auth });
    try {
      const repo = await secured.createRepo('private');
      const sha = await repo.commitAndPush({ 'a.yaml': manifest('a') });
      const source = newCache();
      expect((await source.fetch(repo.url, { ref: { branch: 'main' }, credentials: good })).commit).toBe(sha);
      const failure = await source.fetch(repo.url, { ref: { branch: 'main' }, credentials: bad }).catch((error: Error) => error);
      expect(failure).toMatchObject({ code: 'SOURCE_AUTH_FAILED' });
      for (const value of Object.values(bad)) expect((failure as Error).message).not.toContain(value);
      expect(readdirSync(cacheDir).join(' ')).not.toMatch(/pass|tok/);
    } finally {
      await secured.stop();
    }
  });

  it('never puts credentials from the URL into messages or the cache path', async () => {
    const source = newCache();
    const error = await source.fetch('http://user:hunter2-secret@127.0.0.1:1/x.git').catch((e: Error) => e);
    expect((error as Error).message).not.toContain('hunter2-secret');
    expect(source.cacheDirFor('http://user:hunter2-secret@127.0.0.1:1/x.git')).toBe(source.cacheDirFor('http://127.0.0.1:1/x.git'));
  });
});
