/**
 * The agent as users run it: `ferry agent` in its own process (the built dist/), against the API
 * simulator and a local git http-backend running in this process.
 *
 * - push → applied latency, with a signed push webhook and with a 5 s poll interval;
 * - hand edit → put back latency (the agent watches managed objects);
 * - memory of the agent process with 10 GitSyncs × 1,000 objects, after the first sync and again
 *   after an hour-equivalent of unchanged polls (600: 60 per GitSync; heap after a forced GC, where
 *   a leak shows up as growth), and the API requests those unchanged polls cost.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeClient } from '../src/kube/index.js';
import type { KubeObject } from '../src/objects.js';
import { gitSyncCrd } from '../test/agent/harness.js';
import { startGitServer, type GitServer, type TestRepo } from '../test/support/git-server.js';
import { startKubeSim, type KubeSim } from '../test/support/kube-sim/index.js';
import { heading, report } from './support/measure.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resident and peak resident memory of a process, from /proc (Linux). */
function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

/** The heap left after a forced GC in the agent: the median of the probe's last three samples. */
function lastHeapSample(file: string): number {
  const samples = readFileSync(file, 'utf8').trim().split('\n').slice(-3).map((line) => Number(line.split(' ')[1]));
  return median(samples) / 1024 / 1024;
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`benchmark: ${what} did not happen within ${timeoutMs} ms`);
    await sleep(2);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const configMap = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {value: "${value}"}\n`;

interface Bed {
  sim: KubeSim;
  git: GitServer;
  client: KubeClient;
  agent: ChildProcess;
  port: number;
}

function gitSync(namespace: string, name: string, url: string, interval: string, annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'ferry.dev/v1alpha1',
    kind: 'GitSync',
    metadata: { name, namespace, annotations },
    spec: { source: { url, interval, path: 'deploy' }, targetNamespace: namespace, prune: true },
  } as KubeObject;
}

async function newTenant(bed: Bed, name: string, files: Record<string, string>, interval: string, annotations: Record<string, string> = {}): Promise<TestRepo> {
  await bed.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const repo = await bed.git.createRepo(name);
  await repo.commitAndPush(files, 'initial');
  await bed.client.create(gitSync(name, 'app', repo.url, interval, annotations));
  return repo;
}

const appliedRevision = (bed: Bed, namespace: string) =>
  (bed.sim.getObject('ferry.dev/v1alpha1', 'GitSync', 'app', namespace)?.status as { lastAppliedRevision?: string } | undefined)?.lastAppliedRevision;
const configValue = (bed: Bed, namespace: string, name: string) => (bed.sim.getObject('v1', 'ConfigMap', name, namespace)?.data as { value?: string } | undefined)?.value;

async function webhookLatency(bed: Bed): Promise<number[]> {
  await bed.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'hooked' } });
  await bed.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hook', namespace: 'hooked' }, stringData: { token: 'bench-hook-token' } } as KubeObject);
  const repo = await bed.git.createRepo('hooked');
  await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'v0') }, 'initial');
  await bed.client.create(gitSync('hooked', 'app', repo.url, '1h', { 'ferry.dev/webhook-secret': 'hook' }));
  await until(() => configValue(bed, 'hooked', 'cfg') === 'v0', 60_000, 'the first sync');
  const latencies: number[] = [];
  for (let i = 1; i <= 7; i++) {
    await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', `v${i}`) }, `change ${i}`);
    const body = JSON.stringify({ ref: 'refs/heads/main' });
    const start = performance.now();
    const response = await fetch(`http://127.0.0.1:${bed.port}/hooks/hooked/app`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': `sha256=${createHmac('sha256', 'bench-hook-token').update(body).digest('hex')}` },
      body,
    });
    if (response.status !== 202) throw new Error(`benchmark: webhook answered ${response.status}`);
    await until(() => configValue(bed, 'hooked', 'cfg') === `v${i}`, 30_000, `change ${i} applied`);
    latencies.push(performance.now() - start);
    await sleep(200); // let the sync finish its health wait and status write
  }
  return latencies;
}

/** A hand edit of a managed object (GitSync interval 1 h) until the agent has put it back. */
async function selfHealLatency(bed: Bed): Promise<number[]> {
  const latencies: number[] = [];
  const expected = configValue(bed, 'hooked', 'cfg');
  for (let i = 1; i <= 3; i++) {
    await sleep(6000); // past the spacing the agent keeps between change-prompted reconciles
    const start = performance.now();
    await bed.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'hooked', name: 'cfg' }, { data: { value: `by-hand-${i}` } });
    await until(() => configValue(bed, 'hooked', 'cfg') === expected, 30_000, `hand edit ${i} put back`);
    latencies.push(performance.now() - start);
  }
  return latencies;
}

async function intervalLatency(bed: Bed): Promise<number[]> {
  const repo = await newTenant(bed, 'polled', { 'deploy/cfg.yaml': configMap('cfg', 'v0') }, '5s');
  await until(() => configValue(bed, 'polled', 'cfg') === 'v0', 60_000, 'the first sync');
  const latencies: number[] = [];
  for (let i = 1; i <= 4; i++) {
    // Push at a random point of the poll cycle, as users do.
    await sleep(Math.random() * 5000);
    const sha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', `v${i}`) }, `change ${i}`);
    const start = performance.now();
    await until(() => configValue(bed, 'polled', 'cfg') === `v${i}`, 30_000, `change ${i} applied`);
    latencies.push(performance.now() - start);
    // The next cycle starts once this sync has finished (health wait, history, status).
    await until(() => appliedRevision(bed, 'polled') === sha, 30_000, `change ${i} recorded`);
  }
  return latencies;
}

export default async function agentBenchmark(): Promise<void> {
  heading('agent: `ferry agent` process against the API simulator and a local Git server');
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  const sim = await startKubeSim({ controllerDelayMs: 5, crdEstablishDelayMs: 5 });
  const git = await startGitServer();
  const client = KubeClient.fromConfig({ kubeconfig: sim.kubeconfigPath });
  const cacheDir = mkdtempSync(join(tmpdir(), 'ferry-bench-agent-'));
  await client.create(gitSyncCrd());
  await until(() => Boolean(sim.getObject('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'gitsyncs.ferry.dev')?.status), 10_000, 'CRD established');
  const port = await freePort();
  const heapLog = join(cacheDir, 'heap.log');
  // The probe forces a GC every 5 s and logs the heap left: growth there is a leak, not V8 sizing.
  const agent = spawn(process.execPath, ['--expose-gc', '--import', join(ROOT, 'bench/support/heap-probe.mjs'), join(ROOT, 'dist/cli/main.js'), 'agent', '--allow-insecure-http', '--kubeconfig', sim.kubeconfigPath, '--port', String(port), '--cache-dir', cacheDir, '--concurrency', '4'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, FERRY_BENCH_HEAP_LOG: heapLog },
  });
  const bed: Bed = { sim, git, client, agent, port };
  try {
    const hooked = await webhookLatency(bed);
    report('push → applied, signed webhook (median of 7)', median(hooked), 'ms');
    report('push → applied, signed webhook (worst)', Math.max(...hooked), 'ms');
    const healed = await selfHealLatency(bed);
    report('hand edit → put back, 1 h interval (median of 3)', median(healed), 'ms');
    report('hand edit → put back (worst)', Math.max(...healed), 'ms');
    const polled = await intervalLatency(bed);
    report('push → applied, 5 s interval (median of 4)', median(polled), 'ms');
    report('push → applied, 5 s interval (worst)', Math.max(...polled), 'ms');

    const files: Record<string, string> = {};
    for (let i = 0; i < 1000; i++) files[`deploy/cm-${i}.yaml`] = configMap(`cm-${i}`, String(i));
    const tenants = Array.from({ length: 10 }, (_, i) => `tenant-${i}`);
    const start = performance.now();
    for (const tenant of tenants) await newTenant(bed, tenant, files, '1s');
    await until(() => tenants.every((tenant) => appliedRevision(bed, tenant)), 300_000, 'the first sync of 10 GitSyncs');
    report('first sync of 10 GitSyncs × 1,000 objects', performance.now() - start, 'ms');
    await sleep(2000);
    const settled = memoryOf(agent.pid as number);
    const heapAtStart = lastHeapSample(heapLog);
    report('agent RSS after the first syncs', settled.rssMiB, 'MiB');
    report('agent heap after GC, after the first syncs', heapAtStart, 'MiB');
    sim.resetRequests();
    const before = git.requests.length;
    // An hour of a 1 m interval is 60 polls per GitSync: 600 unchanged polls for the ten.
    const pollsSince = () => git.requests.slice(before).filter((r) => r.service === 'git-upload-pack' && r.method === 'GET').length;
    const windowStart = performance.now();
    await until(() => pollsSince() >= 600, 600_000, '600 unchanged polls');
    const end = memoryOf(agent.pid as number);
    const polls = pollsSince();
    report('unchanged polls (an hour of 10 GitSyncs at 1 m)', polls);
    report('time those polls took (1 s interval)', performance.now() - windowStart, 'ms');
    report('agent heap after GC, after those polls', lastHeapSample(heapLog), 'MiB');
    report('agent RSS after those polls', end.rssMiB, 'MiB');
    report('agent peak RSS', end.peakMiB, 'MiB');
    report('API requests per unchanged poll', sim.requests.length / Math.max(polls, 1));
  } finally {
    if (agent.exitCode === null) {
      const exited = new Promise((resolve) => agent.once('exit', resolve));
      agent.kill('SIGTERM');
      await exited;
    }
    client.close();
    await git.stop();
    await sim.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
