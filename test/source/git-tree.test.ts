import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGitServer, type GitServer } from '../support/git-server.js';
import { cacheDirs, captureLog, manifest } from './support.js';

let server: GitServer;
let counter = 0;
const caches = cacheDirs();
beforeAll(async () => {
  server = await startGitServer();
});
afterAll(async () => {
  await server.stop();
});
afterEach(() => caches.cleanup());

/** A repository with one commit of `files` (and whatever `prepare` adds), fetched into a fresh cache. */
async function fetched(files: Record<string, string | Buffer>, prepare?: (repo: Awaited<ReturnType<GitServer['createRepo']>>) => Promise<void>, options: { maxFileBytes?: number } = {}) {
  const repo = await server.createRepo(`tree-${++counter}`);
  await repo.writeFiles(files);
  await prepare?.(repo);
  const sha = await repo.commit('first');
  await repo.push();
  const source = caches.source(options);
  await source.fetch(repo.url, { ref: { branch: 'main' } });
  return { repo, sha, source, tree: await source.tree(repo.url, sha) };
}

const lfsPointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${'4d7a2146'.repeat(8)}\nsize 12345\n`;

describe('a Git commit as a SourceTree', () => {
  it('lists files without reading them, and applies the size limit only to the files read', async () => {
    const { sha, tree } = await fetched(
      { 'deploy/a.yaml': manifest('a'), 'deploy/nested/b.yml': manifest('b'), 'assets/logo.png': Buffer.alloc(4096, 1), 'docs/readme.md': '# hi' },
      undefined,
      { maxFileBytes: 1024 },
    );
    expect(tree.revision).toBe(sha);
    expect(await tree.listFiles('')).toEqual(['assets/logo.png', 'deploy/a.yaml', 'deploy/nested/b.yml', 'docs/readme.md']);
    expect(await tree.listFiles('./deploy/')).toEqual(['deploy/a.yaml', 'deploy/nested/b.yml']);
    expect(await tree.listFiles('missing')).toEqual([]);
    expect(await Promise.all(['deploy', 'deploy/a.yaml', 'nope', 'deploy/a.yaml/x', ''].map((path) => tree.stat(path)))).toEqual(['directory', 'file', 'missing', 'missing', 'directory']);
    const file = await tree.readFile('deploy/a.yaml');
    expect(file).toMatchObject({ path: 'deploy/a.yaml', blobId: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(file.content.toString()).toBe(manifest('a'));
    await expect(tree.readFile('assets/logo.png')).rejects.toMatchObject({ code: 'SOURCE_FILE_TOO_LARGE', message: 'assets/logo.png: 4.0 KiB exceeds the 1.0 KiB file size limit' });
    await expect(tree.readFile('deploy')).rejects.toMatchObject({ code: 'SOURCE_PATH_NOT_FOUND', message: `deploy: a directory, not a file at commit ${sha.slice(0, 7)}` });
    await expect(tree.readFile('../etc/passwd')).rejects.toMatchObject({ code: 'SOURCE_UNSAFE_PATH' });
  });

  it('keeps what it read in memory: the same commit is listed and read again without the Git objects', async () => {
    const { repo, sha, source, tree } = await fetched({ 'deploy/a.yaml': manifest('a') });
    await tree.listFiles('deploy');
    await tree.readFile('deploy/a.yaml');
    // With the repository cache gone, only the objects kept in memory can answer.
    rmSync(source.cacheDirFor(repo.url), { recursive: true, force: true });
    const again = await source.tree(repo.url, sha);
    expect(await again.listFiles('deploy')).toEqual(['deploy/a.yaml']);
    expect((await again.readFile('deploy/a.yaml')).content.toString()).toBe(manifest('a'));
  });

  it('follows symlinks to files and to directories inside the repository', async () => {
    const { tree } = await fetched({ 'base/cm.yaml': manifest('base'), 'base/deep/x.yaml': manifest('x'), 'deploy/own.yaml': manifest('own') }, async (repo) => {
      await repo.symlink('deploy/shared', '../base');
      await repo.symlink('deploy/one.yaml', '../base/cm.yaml');
      await repo.symlink('deploy/here', '.');
    });
    await expect(tree.listFiles('deploy')).rejects.toMatchObject({ code: 'SOURCE_UNSAFE_PATH', message: 'deploy/here: symlink to "." leads back into a directory that contains it (a cycle); refused' });
    expect(await tree.listFiles('deploy/shared')).toEqual(['deploy/shared/cm.yaml', 'deploy/shared/deep/x.yaml']);
    expect(await tree.stat('deploy/shared/deep')).toBe('directory');
    expect(await tree.stat('deploy/one.yaml')).toBe('file');
    expect((await tree.readFile('deploy/shared/deep/x.yaml')).content.toString()).toBe(manifest('x'));
    expect((await tree.readFile('deploy/one.yaml')).content.toString()).toBe(manifest('base'));
  });

  it('lists through a directory symlink by the path it is seen at', async () => {
    const { tree } = await fetched({ 'base/cm.yaml': manifest('base'), 'base/deep/x.yaml': manifest('x'), 'deploy/own.yaml': manifest('own') }, async (repo) => {
      await repo.symlink('deploy/shared', '../base');
      await repo.symlink('deploy/one.yaml', '../base/cm.yaml');
    });
    expect(await tree.listFiles('deploy')).toEqual(['deploy/one.yaml', 'deploy/own.yaml', 'deploy/shared/cm.yaml', 'deploy/shared/deep/x.yaml']);
  });

  it.each([
    ['out of the repository', 'escape', 'escape/etc', '../../etc', 'escape/etc: symlink to "../../etc" points outside the repository; refused'],
    ['to an absolute path', 'absolute', 'absolute/passwd', '/etc/passwd', 'absolute/passwd: symlink to the absolute path "/etc/passwd" refused'],
    ['nowhere', 'broken', 'broken/gone.yaml', 'missing.yaml', 'broken/gone.yaml: symlink to "missing.yaml" does not point to a file or directory in the repository'],
    ['round a cycle of two directories', 'cycle/a', 'cycle/a/to-b', '../b', 'cycle/b/to-a: symlink to "../a" leads back into a directory that contains it (a cycle); refused'],
    ['to itself', 'self', 'self/me', 'me', 'self/me: too many levels of symlinks (a cycle); refused'],
  ])('refuses a symlink %s, naming the link', async (_case, dir, link, target, message) => {
    const { tree } = await fetched({ 'fine/ok.yaml': manifest('ok'), 'cycle/b/x.yaml': manifest('x') }, async (repo) => {
      await repo.symlink(link, target);
      if (link === 'cycle/a/to-b') await repo.symlink('cycle/b/to-a', '../a');
    });
    await expect(tree.listFiles(dir)).rejects.toMatchObject({ code: 'SOURCE_UNSAFE_PATH', message });
    expect(await tree.listFiles('fine')).toEqual(['fine/ok.yaml']);
  });

  it('names a submodule where the sync needs files, instead of leaving its manifests out', async () => {
    const { sha: vendored } = await fetched({ 'crds.yaml': manifest('crd') });
    const { tree } = await fetched({ 'deploy/app.yaml': manifest('app'), 'other/x.yaml': manifest('x') }, async (repo) => {
      await repo.submodule('deploy/charts', { name: 'charts', url: 'https://robot:s3cret-token@git.example.com/charts.git', commit: vendored });
    });
    const message = `deploy/charts: a Git submodule ("charts", https://git.example.com/charts.git, at commit ${vendored.slice(0, 7)}); ferry does not fetch submodules: vendor the manifests into the repository`;
    await expect(tree.listFiles('deploy')).rejects.toMatchObject({ code: 'SOURCE_SUBMODULE', message });
    await expect(tree.stat('deploy/charts')).rejects.toMatchObject({ code: 'SOURCE_SUBMODULE', message });
    await expect(tree.readFile('deploy/charts/crds.yaml')).rejects.toMatchObject({ code: 'SOURCE_SUBMODULE', message });
    expect(await tree.listFiles('other')).toEqual(['other/x.yaml']);
    expect((await tree.readFile('deploy/app.yaml')).path).toBe('deploy/app.yaml');
  });

  it('refuses a Git LFS pointer where the file is read, naming the file', async () => {
    const { tree } = await fetched({ 'deploy/crds.yaml': lfsPointer, 'deploy/app.yaml': manifest('app') });
    expect(await tree.listFiles('deploy')).toEqual(['deploy/app.yaml', 'deploy/crds.yaml']);
    await expect(tree.readFile('deploy/crds.yaml')).rejects.toMatchObject({
      code: 'SOURCE_LFS_POINTER',
      message: 'deploy/crds.yaml: a Git LFS pointer (to a 12.1 KiB object); ferry does not fetch LFS objects: commit the file itself, or keep it out of the sync path',
    });
  });

  it('clones again once when the cache cannot be read, and says so in the log', async () => {
    const { logger, records } = captureLog();
    const repo = await server.createRepo(`tree-${++counter}`);
    const sha = await repo.commitAndPush({ 'deploy/a.yaml': manifest('a') });
    const source = caches.source({ logger });
    await source.fetch(repo.url);
    const packs = join(source.cacheDirFor(repo.url), '.git', 'objects', 'pack');
    for (const file of readdirSync(packs)) rmSync(join(packs, file));
    const tree = await source.tree(repo.url, sha);
    expect((await tree.readFile('deploy/a.yaml')).content.toString()).toBe(manifest('a'));
    expect(records.filter((r) => r.msg === 'git cache cannot be read: cloning again')).toMatchObject([{ level: 40, url: repo.url, commit: sha }]);
  });

  it('reports a cache that cannot be read and cannot be cloned again', async () => {
    const repo = await server.createRepo(`tree-${++counter}`);
    const sha = await repo.commitAndPush({ 'deploy/a.yaml': manifest('a') });
    const source = caches.source();
    await source.fetch(repo.url);
    const packs = join(source.cacheDirFor(repo.url), '.git', 'objects', 'pack');
    for (const file of readdirSync(packs)) rmSync(join(packs, file));
    await server.pause();
    try {
      await expect(source.tree(repo.url, sha)).rejects.toMatchObject({ code: 'SOURCE_CACHE_UNREADABLE', message: expect.stringContaining(`${repo.url}: commit ${sha.slice(0, 7)} cannot be read from the local cache`) });
    } finally {
      await server.resume();
    }
  });
});
