import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGitServer, type GitServer, type TestRepo } from '../support/git-server.js';
import { cacheDirs, manifest } from './support.js';

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

const BIG = 1024 * 1024;

/**
 * One repository for every spec here (each sets the server's want policy it needs). main: a first commit with a 1 MiB binary (random, so it does not compress), a commit that
 * removes it, then six more; feature: three commits on top of the third. What a commit fetch
 * costs shows in whether the binary is downloaded.
 */
let built: Promise<{ repo: TestRepo; main: string[]; feature: string[] }> | undefined;
const history = () => (built ??= build());
async function build(): Promise<{ repo: TestRepo; main: string[]; feature: string[] }> {
  const repo = await server.createRepo(`commits-${++counter}`);
  const main = [await repo.commitAndPush({ 'deploy/app.yaml': manifest('app', 'v1'), 'media/demo.bin': randomBytes(BIG) }, 'v1')];
  await repo.removeFiles(['media']);
  main.push(await repo.commitAndPush({ 'deploy/app.yaml': manifest('app', 'v2') }, 'v2'));
  for (let version = 3; version <= 8; version++) main.push(await repo.commitAndPush({ 'deploy/app.yaml': manifest('app', `v${version}`) }, `v${version}`));
  await repo.git('checkout', '--quiet', '-b', 'feature', main[2] as string);
  const feature: string[] = [];
  for (let step = 1; step <= 3; step++) feature.push(await repo.commitAndPush({ 'deploy/feature.yaml': manifest('feature', `f${step}`) }, `f${step}`));
  await repo.git('checkout', '--quiet', 'main');
  return { repo, main, feature };
}

const fetchRequests = () => server.requests.filter((r) => r.wants);

describe('commit refs', () => {
  it('fetch only the commit when the server allows wanting it by SHA', async () => {
    const { repo, main } = await history();
    await repo.allowWants('reachable');
    const target = main[4] as string;
    const source = caches.source();
    server.resetRequests();
    expect(await source.fetch(repo.url, { ref: { commit: target } })).toEqual({ url: repo.url, commit: target, ref: target, changed: true });
    expect(fetchRequests().map((r) => r.wants)).toEqual([[target]]);
    expect(server.bytesOut()).toBeLessThan(BIG / 16);
    const tree = await source.tree(repo.url, target);
    expect((await tree.readFile('deploy/app.yaml')).content.toString()).toBe(manifest('app', 'v5'));
  });

  it('fetch a commit that is only on another branch', async () => {
    const { repo, feature } = await history();
    await repo.allowWants('reachable');
    const source = caches.source();
    const target = feature[1] as string;
    await source.fetch(repo.url, { ref: { commit: target } });
    expect((await (await source.tree(repo.url, target)).readFile('deploy/feature.yaml')).content.toString()).toBe(manifest('feature', 'f2'));
  });

  it('without that permission, deepen the branches step by step instead of taking all history', async () => {
    const { repo, main } = await history();
    await repo.allowWants('none');
    const target = main[4] as string; // three commits below the tip of main
    const source = caches.source();
    server.resetRequests();
    await source.fetch(repo.url, { ref: { commit: target } });
    // Depth 1, then 4: the fourth commit from the tip arrives at the second step.
    expect(fetchRequests()).toHaveLength(2);
    expect(server.bytesOut()).toBeLessThan(BIG / 16);
    expect((await (await source.tree(repo.url, target)).readFile('deploy/app.yaml')).content.toString()).toBe(manifest('app', 'v5'));
  });

  it('without that permission, find a commit only on another branch by deepening', async () => {
    const { repo, feature } = await history();
    await repo.allowWants('none');
    const source = caches.source();
    const target = feature[1] as string;
    await source.fetch(repo.url, { ref: { commit: target } });
    expect((await (await source.tree(repo.url, target)).readFile('deploy/feature.yaml')).content.toString()).toBe(manifest('feature', 'f2'));
  });

  it('want a branch tip directly, whatever the server allows', async () => {
    const { repo, feature } = await history();
    await repo.allowWants('none');
    const source = caches.source();
    const tip = feature[2] as string;
    server.resetRequests();
    await source.fetch(repo.url, { ref: { commit: tip } });
    expect(fetchRequests().map((r) => r.wants)).toEqual([[tip]]);
  });

  it.each(['none', 'reachable'] as const)('report a commit that no branch or tag reaches (wants allowed: %s)', async (policy) => {
    const { repo } = await history();
    await repo.allowWants(policy);
    const missing = 'f'.repeat(40);
    await expect(caches.source().fetch(repo.url, { ref: { commit: missing } })).rejects.toMatchObject({
      code: 'SOURCE_REF_NOT_FOUND',
      message: `${repo.url}: commit ${missing} is not in the history of any branch or tag`,
    });
  });

  it('ask nothing of the server for a commit already in the cache', async () => {
    const { repo, main } = await history();
    const source = caches.source();
    await source.fetch(repo.url, { ref: { commit: main[6] as string } });
    server.resetRequests();
    expect(await source.fetch(repo.url, { ref: { commit: main[6] as string } })).toMatchObject({ changed: false });
    expect(server.requests).toEqual([]);
  });
});
