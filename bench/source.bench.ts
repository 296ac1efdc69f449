/**
 * Git source: a generated repository of 2,000 YAML files on the local git http-backend server.
 * First clone with ferry vs native `git clone --depth 1`; the commit's files as a SourceTree
 * (listing, reading everything, reading again, reading one sync path with a cold cache); an
 * unchanged poll (time, requests, bytes); an incremental fetch after a one-file change; and a
 * commit ref six commits below the tip, with and without allow-reachable-sha1-in-want; then the
 * first clone and an unchanged poll over HTTPS (a TLS front) and over SSH (the local sshd).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitSource, type SourceTree } from '../src/source/index.js';
import { startGitServer } from '../test/support/git-server.js';
import { TEST_CA } from '../test/support/chart-repository.js';
import { createKeyPair, sshUnavailable, startSshServer } from '../test/support/ssh-server.js';
import { heading, measure, report } from './support/measure.js';

const TLS = fileURLToPath(new URL('../test/support/tls/', import.meta.url));
const readAll = async (tree: SourceTree, dir: string) => Promise.all((await tree.listFiles(dir)).map((file) => tree.readFile(file)));

/**
 * The Git server behind TLS: a TLS front on 127.0.0.1 with the test certificate (support/tls),
 * forwarding each connection to the plain HTTP server, and the process's HTTPS agent trusting it
 * (isomorphic-git's Node client uses the global agent, which keeps connections alive, as the
 * agent's polls do). Resolves to the https:// URL of `httpUrl`.
 */
async function behindTls(httpUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(httpUrl);
  const sockets = new Set<net.Socket>();
  const front = tls.createServer({ cert: readFileSync(join(TLS, 'server.crt')), key: readFileSync(join(TLS, 'server.key')) }, (client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  https.globalAgent.options.ca = TEST_CA;
  const url = new URL(httpUrl);
  url.protocol = 'https:';
  url.port = String((front.address() as AddressInfo).port);
  return {
    url: url.toString(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        front.close(() => resolve());
      }),
  };
}

/** Unchanged polls timed for the comparison: one is at the mercy of a loaded machine. */
const POLLS = 9;

async function medianOf(times: number, work: () => Promise<unknown>): Promise<number> {
  const taken: number[] = [];
  for (let i = 0; i < times; i++) taken.push((await measure(work)).ms);
  return taken.sort((a, b) => a - b)[Math.floor(times / 2)] as number;
}

/**
 * The same repository over HTTPS (a TLS front) and over SSH (the local sshd serving it through
 * git-upload-pack), each cloned into a fresh cache and polled, with the code already warm (the
 * benchmark's first HTTP clone above also pays for loading it).
 */
async function sshBeside(httpUrl: string, bareDir: string, work: string): Promise<void> {
  const unavailable = sshUnavailable();
  if (unavailable) {
    report('over SSH', `skipped: ${unavailable}`);
    return;
  }
  const sshd = await startSshServer({ hostKeyTypes: ['ed25519'] });
  const front = await behindTls(httpUrl);
  try {
    const key = await createKeyPair(work, 'bench_ed25519');
    await sshd.authorize(key.publicKey);
    const url = sshd.url(bareDir);
    const credentials = { identity: key.privateKey, knownHosts: sshd.knownHosts() };
    const https = new GitSource({ cacheDir: join(work, 'cache-https') });
    const httpsClone = await measure(() => https.fetch(front.url));
    const httpsPoll = await medianOf(POLLS, () => https.fetch(front.url));
    const source = new GitSource({ cacheDir: join(work, 'cache-ssh') });
    const clone = await measure(() => source.fetch(url, { credentials }));
    await sshd.resetCounts();
    const poll = await medianOf(POLLS, () => source.fetch(url, { credentials }));
    report('HTTPS first clone, fresh cache', httpsClone.ms, 'ms');
    report('SSH first clone (depth 1)', clone.ms, 'ms');
    report('  beside HTTPS', `${(clone.ms / httpsClone.ms).toFixed(2)} ×`);
    report(`HTTPS unchanged poll (median of ${POLLS})`, httpsPoll, 'ms');
    report(`SSH unchanged poll (median of ${POLLS})`, poll, 'ms');
    report('  beside HTTPS', `${(poll / httpsPoll).toFixed(2)} ×`);
    report('SSH connections per unchanged poll', sshd.connections() / POLLS);
  } finally {
    await front.close();
    await sshd.stop();
  }
}

// The native clone must run asynchronously: the Git server lives in this same process.
export default async function sourceBenchmark(): Promise<void> {
  heading('source: 2,000-file repository on a local git http-backend');
  const server = await startGitServer();
  const repo = await server.createRepo('bench');
  const files: Record<string, string> = {};
  for (let i = 0; i < 2000; i++) {
    files[`apps/app-${i % 40}/cm-${i}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  labels: {app: app-${i % 40}}\ndata:\n  index: "${i}"\n  payload: "${'x'.repeat(200)}"\n`;
  }
  const first = await repo.commitAndPush(files, 'generated');
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-source-'));
  try {
    const native = await measure(() => promisify(execFile)('git', ['clone', '--quiet', '--depth', '1', '--no-checkout', repo.url, join(work, 'native')]));
    const source = new GitSource({ cacheDir: join(work, 'cache') });
    server.resetRequests();
    const clone = await measure(() => source.fetch(repo.url));
    const cloneBytes = server.bytesOut();
    const tree = await source.tree(repo.url, clone.result.commit);
    const list = await measure(() => tree.listFiles(''));
    const read = await measure(() => readAll(tree, ''));
    const reread = await measure(async () => readAll(await source.tree(repo.url, clone.result.commit), ''));
    // Another process's view: nothing in memory, one sync path of 50 files.
    const cold = new GitSource({ cacheDir: join(work, 'cache') });
    const path = await measure(async () => readAll(await cold.tree(repo.url, clone.result.commit), 'apps/app-7'));
    server.resetRequests();
    const poll = await measure(() => source.fetch(repo.url));
    const pollRequests = server.requests.length;
    const pollBytes = server.bytesOut();
    await repo.commitAndPush({ 'apps/app-0/cm-0.yaml': files['apps/app-0/cm-0.yaml']!.replace('"0"', '"changed"') }, 'one change');
    server.resetRequests();
    const incremental = await measure(() => source.fetch(repo.url));
    const incrementalBytes = server.bytesOut();
    for (let i = 1; i <= 5; i++) await repo.commitAndPush({ [`apps/app-${i}/cm-${i}.yaml`]: files[`apps/app-${i}/cm-${i}.yaml`]!.replace(`"${i}"`, `"v${i}"`) }, `change ${i}`);
    const commitFetch = async (policy: 'reachable' | 'none') => {
      await repo.allowWants(policy);
      const fresh = new GitSource({ cacheDir: join(work, `commit-${policy}`) });
      server.resetRequests();
      const fetched = await measure(() => fresh.fetch(repo.url, { ref: { commit: first } }));
      return { ms: fetched.ms, bytes: server.bytesOut(), requests: server.requests.filter((r) => r.wants).length };
    };
    const wantSha = await commitFetch('reachable');
    const deepen = await commitFetch('none');
    report('native git clone --depth 1', native.ms, 'ms');
    report('ferry first clone (depth 1)', clone.ms, 'ms');
    report('ferry / native clone time', clone.ms / native.ms, '×');
    report('first clone download', cloneBytes / 1024, 'KiB');
    report('list 2,000 files (tree objects only)', list.ms, 'ms');
    report('read 2,000 files of the commit', read.ms, 'ms');
    report('read them again (unchanged poll, in memory)', reread.ms, 'ms');
    report('read one 50-file sync path, cold cache', path.ms, 'ms');
    report('unchanged poll', poll.ms, 'ms');
    report('unchanged poll HTTP requests', pollRequests);
    report('unchanged poll download', pollBytes, 'bytes');
    report('incremental fetch after one change', incremental.ms, 'ms');
    report('incremental fetch download', incrementalBytes / 1024, 'KiB');
    report('commit 6 below the tip, want by SHA', wantSha.ms, 'ms');
    report('  download / fetch requests', `${(wantSha.bytes / 1024).toFixed(1)} KiB / ${wantSha.requests}`);
    report('commit 6 below the tip, deepening', deepen.ms, 'ms');
    report('  download / fetch requests', `${(deepen.bytes / 1024).toFixed(1)} KiB / ${deepen.requests}`);
    report('peak RSS', Math.max(clone.peakRssMiB, read.peakRssMiB, reread.peakRssMiB), 'MiB');
    await sshBeside(repo.url, repo.bareDir, work);
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
