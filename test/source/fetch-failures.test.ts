import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GitSource } from '../../src/source/index.js';
import { eventually } from '../support/cluster.js';
import { startGitServer, type GitFault, type GitServer } from '../support/git-server.js';
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
afterEach(() => {
  server.clearFaults();
  caches.cleanup();
});

/** Every file of a directory with a digest of its content: "the cache as it was". */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (at: string) => {
    if (!existsSync(at)) return;
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[path.slice(dir.length)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(dir);
  return files;
}

/** The cache root holds only the repository's directory: no staging left behind. */
const leftovers = (source: GitSource, url: string) => readdirSync(join(source.cacheDirFor(url), '..')).filter((name) => name.includes('.staging-'));

// Random content does not compress: the packs are large enough to be cut at many points.
const payload = (n: number) => ({ 'deploy/app.yaml': manifest('app', `v${n}`), [`media/clip-${n}.bin`]: randomBytes(300_000) });

const cuts: Array<[string, GitFault]> = [
  ['dropped early', { type: 'cut-pack', how: 'abort', afterBytes: 2000 }],
  ['dropped half-way', { type: 'cut-pack', how: 'abort' }],
  ['dropped at a packet boundary', { type: 'cut-pack', how: 'abort', afterBytes: 200_000, atPacketBoundary: true }],
  ['ended early', { type: 'cut-pack', how: 'end', afterBytes: 2000 }],
  ['ended half-way', { type: 'cut-pack', how: 'end' }],
  ['ended at a packet boundary near the start', { type: 'cut-pack', how: 'end', afterBytes: 30_000, atPacketBoundary: true }],
  ['ended at a packet boundary near the end', { type: 'cut-pack', how: 'end', afterBytes: 290_000, atPacketBoundary: true }],
];

describe('a fetch that breaks off', () => {
  it.each(cuts)('leaves the cache as it was when the pack is %s, and the next fetch works', async (_case, fault) => {
    const repo = await server.createRepo(`cut-${++counter}`);
    await repo.commitAndPush(payload(1), 'v1');
    const source = caches.source();
    await source.fetch(repo.url);
    const second = await repo.commitAndPush(payload(2), 'v2');
    const before = snapshot(source.cacheDirFor(repo.url));

    server.injectFault(fault, { times: 1 });
    await expect(source.fetch(repo.url)).rejects.toMatchObject({ code: expect.stringMatching(/^SOURCE_/) });
    expect(snapshot(source.cacheDirFor(repo.url))).toEqual(before);
    expect(leftovers(source, repo.url)).toEqual([]);

    expect(await source.fetch(repo.url)).toMatchObject({ commit: second, changed: true });
    const tree = await source.tree(repo.url, second);
    expect((await tree.readFile('deploy/app.yaml')).content.toString()).toBe(manifest('app', 'v2'));
    expect((await tree.readFile('media/clip-2.bin')).content.length).toBe(300_000);
  });

  it.each(cuts)('leaves no cache behind when the first clone is %s, and the next fetch works', async (_case, fault) => {
    const repo = await server.createRepo(`cut-first-${++counter}`);
    const first = await repo.commitAndPush(payload(1), 'v1');
    const source = caches.source();
    server.injectFault(fault, { times: 1 });
    await expect(source.fetch(repo.url)).rejects.toMatchObject({ code: expect.stringMatching(/^SOURCE_/) });
    expect(Object.keys(snapshot(join(source.cacheDirFor(repo.url), '.git', 'objects')))).toEqual([]);
    expect(await source.fetch(repo.url)).toMatchObject({ commit: first, changed: true });
    expect((await (await source.tree(repo.url, first)).readFile('media/clip-1.bin')).content.length).toBe(300_000);
  });

  it('detects a corrupt cache, says why in the log, and clones it again', async () => {
    const { logger, records } = captureLog();
    const repo = await server.createRepo(`corrupt-${++counter}`);
    const first = await repo.commitAndPush(payload(1), 'v1');
    const source = caches.source({ logger });
    await source.fetch(repo.url);
    // A shallow list naming a commit the cache lacks: what a crash between two writes leaves.
    writeFileSync(join(source.cacheDirFor(repo.url), '.git', 'shallow'), `${'e'.repeat(40)}\n${first}\n`);
    const second = await repo.commitAndPush(payload(2), 'v2');
    expect(await source.fetch(repo.url)).toMatchObject({ commit: second, changed: true });
    expect(records.filter((r) => r.msg === 'git cache is corrupt: cloning again')).toMatchObject([{ level: 40, url: repo.url, problem: 'shallow commit eeeeeee is missing' }]);
    expect((await (await source.tree(repo.url, second)).readFile('deploy/app.yaml')).content.toString()).toBe(manifest('app', 'v2'));
  });
});

describe('a fetch slower than its timeout', () => {
  it('fails within the timeout, stops downloading, and leaves the cache to the next fetch', async () => {
    const repo = await server.createRepo(`slow-${++counter}`);
    await repo.commitAndPush(payload(1), 'v1');
    const source = caches.source();
    await source.fetch(repo.url);
    const second = await repo.commitAndPush(payload(2), 'v2');
    const before = snapshot(source.cacheDirFor(repo.url));
    server.resetRequests();
    server.injectFault({ type: 'stall' }, { times: 1 });
    // A GitSync's spec.source.timeout: the fetch's own limit.
    await expect(source.fetch(repo.url, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'SOURCE_TIMEOUT', message: `${repo.url}: no answer within 0.3s` });
    // The abandoned download is stopped: its request goes away, its staging with it.
    await eventually(() => server.requests.find((r) => r.fault === 'stall')?.clientClosed);
    await eventually(() => leftovers(source, repo.url).length === 0);
    expect(snapshot(source.cacheDirFor(repo.url))).toEqual(before);
    server.clearFaults();
    expect(await source.fetch(repo.url)).toMatchObject({ commit: second, changed: true });
    expect(server.peakConcurrentFetches()).toBe(1);
  });

  it('is stopped by the source’s own timeout when the fetch names none', async () => {
    const repo = await server.createRepo(`slow-${++counter}`);
    await repo.commitAndPush(payload(1), 'v1');
    server.injectFault({ type: 'stall' }, { times: 1 });
    await expect(caches.source({ timeoutMs: 200 }).fetch(repo.url)).rejects.toMatchObject({ code: 'SOURCE_TIMEOUT', message: `${repo.url}: no answer within 0.2s` });
  });
});

describe('fetches of one repository at once', () => {
  it('take turns in the cache directory: two refs of one URL never download into it together', async () => {
    const { logger, records } = captureLog();
    const repo = await server.createRepo(`turns-${++counter}`);
    const main = await repo.commitAndPush(payload(1), 'v1');
    await repo.git('checkout', '--quiet', '-b', 'release');
    const release = await repo.commitAndPush(payload(2), 'release');
    const source = caches.source({ logger });
    server.resetRequests();
    server.injectFault({ type: 'stall' }, { times: 2 });
    const both = Promise.all([source.fetch(repo.url, { ref: { branch: 'main' } }), source.fetch(repo.url, { ref: { branch: 'release' } })]);
    // Either the second fetch waits its turn, or (without a lock) it is downloading beside the first.
    await eventually(() => records.some((r) => r.msg === 'waiting for another fetch of this repository to finish') || server.requests.filter((r) => r.fault === 'stall').length === 2);
    server.clearFaults();
    expect((await both).map((result) => result.commit)).toEqual([main, release]);
    expect(server.peakConcurrentFetches()).toBe(1);
    for (const [commit, value] of [[main, 'v1'], [release, 'v2']] as const) {
      expect((await (await source.tree(repo.url, commit)).readFile('deploy/app.yaml')).content.toString()).toBe(manifest('app', value));
    }
  });

  it('remove a staging directory that a crashed process left behind', async () => {
    const repo = await server.createRepo(`crashed-${++counter}`);
    await repo.commitAndPush(payload(1), 'v1');
    const source = caches.source();
    await source.fetch(repo.url);
    // A process id that is not running (Linux pids stay below 2^22).
    mkdirSync(join(`${source.cacheDirFor(repo.url)}.staging-4194305-0a0b0c0d`, '.git'), { recursive: true });
    await repo.commitAndPush(payload(2), 'v2');
    await source.fetch(repo.url);
    expect(leftovers(source, repo.url)).toEqual([]);
  });
});
