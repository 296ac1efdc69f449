/**
 * One agent, many GitSyncs: `ferry agent` in its own process (the built dist/) against the API
 * simulator and a local git http-backend, with 1,000 GitSyncs of 10 ConfigMaps each spread over
 * 100 repositories (ten GitSyncs per repository, each on its own path and namespace, all on the
 * default branch).
 *
 * - cold start: the time until every GitSync is Ready, the API requests by verb, Git requests;
 * - an hour of unchanged polls at a 1 m interval, compressed: the interval is set to
 *   `--interval` (default 5 s) and the window lasts until every GitSync polled `--rounds` times
 *   (default 60): Git refs round trips per repository per round, API requests by verb per poll;
 * - peak RSS, heap after a forced GC, and the event-loop delay the agent saw (max and p99 per
 *   5 s window, which also holds the probe's own forced GC).
 *
 * The targets are printed beside the figures. Smaller sizes for small machines:
 *   npm run bench -- scale --gitsyncs=200 --repos=20 --objects=10 --rounds=10 --interval=5s
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeClient } from '../src/kube/index.js';
import type { KubeObject } from '../src/objects.js';
import { gitSyncCrd } from '../test/agent/harness.js';
import { startKubeSim, type KubeSim, type RecordedRequest } from '../test/support/kube-sim/index.js';
import { startGitServerProcess } from './support/git-server-process.js';
import { heading, report } from './support/measure.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MiB = 1024 * 1024;

interface Size {
  gitsyncs: number;
  repos: number;
  objects: number;
  rounds: number;
  interval: string;
  concurrency?: number;
}

/** `--gitsyncs=N --repos=N --objects=N --rounds=N --interval=5s --concurrency=N` from the command line. */
function sizeFromArgs(argv: string[]): Size {
  const flag = (name: string) => argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  const number = (name: string, fallback: number) => {
    const value = Number(flag(name) ?? fallback);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`benchmark: --${name} wants a positive whole number`);
    return value;
  };
  const size: Size = { gitsyncs: number('gitsyncs', 1000), repos: number('repos', 100), objects: number('objects', 10), rounds: number('rounds', 60), interval: flag('interval') ?? '5s' };
  if (flag('concurrency')) size.concurrency = number('concurrency', 1);
  if (size.gitsyncs % size.repos !== 0) throw new Error('benchmark: --gitsyncs must be a multiple of --repos');
  return size;
}

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

interface ProbeSample {
  at: number;
  heap: number;
  maxDelayNs: number;
  p99DelayNs: number;
  /** The heap V8 had reserved before the probe's GC: RSS follows it, not the heap in use. */
  heapTotal: number;
}

function probeSamples(file: string): ProbeSample[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [at, heap, max, p99, heapTotal] = line.split(' ').map(Number);
      return { at: at as number, heap: heap as number, maxDelayNs: max ?? 0, p99DelayNs: p99 ?? 0, heapTotal: heapTotal ?? 0 };
    });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`benchmark: ${what} did not happen within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

const configMap = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {value: "${value}"}\n`;

/** The sum of `ferry_sync_total` on the agent's /metrics: reconciles finished so far. */
async function reconcilesSoFar(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith('ferry_sync_total{')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}

/** Requests by verb (`list`, `watch`, `get`, `patch` …), most first. */
function byVerb(requests: RecordedRequest[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const request of requests) counts.set(request.verb, (counts.get(request.verb) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}

/** Requests by verb and resource, most first: where the reads go. */
function byVerbAndResource(requests: RecordedRequest[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const request of requests) {
    const key = `${request.verb} ${request.resource ?? request.path}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]);
}

const isRead = (request: RecordedRequest) => request.verb === 'get' || request.verb === 'list';
const isRefsRequest = (request: { service?: string; method: string }) => request.service === 'git-upload-pack' && request.method === 'GET';

function gitSync(namespace: string, url: string, path: string, interval: string): KubeObject {
  return {
    apiVersion: 'ferry.dev/v1alpha1',
    kind: 'GitSync',
    metadata: { name: 'app', namespace },
    spec: { source: { url, interval, path }, targetNamespace: namespace, prune: true },
  } as KubeObject;
}

function isReady(sim: KubeSim, namespace: string): boolean {
  const status = sim.getObject('ferry.dev/v1alpha1', 'GitSync', 'app', namespace)?.status as { conditions?: Array<{ type: string; status: string }> } | undefined;
  return status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Figures with their target: `value unit (target …)`. */
function against(name: string, value: number, unit: string, target: string): void {
  report(name, `${Number.isInteger(value) ? value : value.toFixed(1)}${unit ? ` ${unit}` : ''}   (target ${target})`);
}

export default async function scaleBenchmark(): Promise<void> {
  const size = sizeFromArgs(process.argv.slice(2));
  const perRepo = size.gitsyncs / size.repos;
  heading(
    `scale: one \`ferry agent\` process, ${size.gitsyncs} GitSyncs × ${size.objects} objects over ${size.repos} repositories` +
      ` (compressed hour: ${size.rounds} polls each at ${size.interval}${size.concurrency ? `, --concurrency ${size.concurrency}` : ', default concurrency'})`,
  );
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  const sim = await startKubeSim({ controllerDelayMs: 5, crdEstablishDelayMs: 5 });
  // The Git server in a process of its own: see support/git-server-process.ts.
  const git = await startGitServerProcess();
  const client = KubeClient.fromConfig({ kubeconfig: sim.kubeconfigPath, maxConcurrent: 32 });
  const cacheDir = mkdtempSync(join(tmpdir(), 'ferry-bench-scale-'));
  let agent: ChildProcess | undefined;
  try {
    await client.create(gitSyncCrd());
    await until(() => Boolean(sim.getObject('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'gitsyncs.ferry.dev')?.status), 10_000, 'CRD established', 5);

    // The repositories: each holds one directory of `objects` ConfigMaps per GitSync on it.
    const repos: string[] = [];
    for (let r = 0; r < size.repos; r++) {
      const files: Record<string, string> = {};
      for (let a = 0; a < perRepo; a++) for (let o = 0; o < size.objects; o++) files[`apps/app-${a}/cm-${o}.yaml`] = configMap(`cm-${o}`, `${r}-${a}-${o}`);
      repos.push(await git.createRepoWith(`repo-${r}`, files, 'initial'));
    }
    const namespaces = Array.from({ length: size.gitsyncs }, (_, i) => `tenant-${i}`);
    const batches = <T>(items: T[], n: number) => Array.from({ length: Math.ceil(items.length / n) }, (_, i) => items.slice(i * n, i * n + n));
    for (const batch of batches(namespaces, 32)) await Promise.all(batch.map((name) => client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })));

    const port = await freePort();
    const heapLog = join(cacheDir, 'heap.log');
    const args = [...(process.env.FERRY_BENCH_AGENT_LOG ? ['--verbose'] : []), 'agent', '--allow-insecure-http', '--kubeconfig', sim.kubeconfigPath, '--port', String(port), '--cache-dir', join(cacheDir, 'git'), ...(size.concurrency ? ['--concurrency', String(size.concurrency)] : [])];
    // A CPU profile of the agent goes to $FERRY_BENCH_AGENT_PROFILE when it is set (open it in DevTools).
    const profile = process.env.FERRY_BENCH_AGENT_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.FERRY_BENCH_AGENT_PROFILE] : [];
    agent = spawn(process.execPath, [...profile, '--expose-gc', '--import', join(ROOT, 'bench/support/heap-probe.mjs'), join(ROOT, 'dist/cli/main.js'), ...args], {
      // The agent's JSON log goes to $FERRY_BENCH_AGENT_LOG when it is set (where the time went).
      stdio: ['ignore', process.env.FERRY_BENCH_AGENT_LOG ? openSync(process.env.FERRY_BENCH_AGENT_LOG, 'w') : 'ignore', 'inherit'],
      env: { ...process.env, FERRY_BENCH_HEAP_LOG: heapLog },
    });
    const pid = agent.pid as number;
    await until(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true, 30_000, 'the agent answering');

    // Cold start: every GitSync created at once, with a 1 m interval (no re-poll during the start).
    sim.resetRequests();
    await git.resetRequests();
    const start = performance.now();
    const created = namespaces.map((namespace, i) => gitSync(namespace, repos[i % size.repos] as string, `apps/app-${Math.floor(i / size.repos)}`, '1m'));
    for (const batch of batches(created, 32)) await Promise.all(batch.map((object) => client.create(object)));
    let ready = 0;
    await until(
      () => {
        ready = namespaces.filter((namespace) => isReady(sim, namespace)).length;
        return ready === size.gitsyncs;
      },
      3_600_000,
      'every GitSync Ready',
      1000,
    );
    const coldMs = performance.now() - start;
    const coldRequests = [...sim.requests];
    const coldGit = await git.requests();
    const coldMemory = memoryOf(pid);
    await sleep(6000); // one probe sample after the start
    const coldProbe = probeSamples(heapLog);

    heading(`  cold start (${size.gitsyncs} GitSyncs created at once)`);
    against('time until every GitSync is Ready', coldMs / 1000, 's', '< 60 s');
    report('API requests', coldRequests.length);
    for (const [verb, count] of byVerb(coldRequests)) report(`  ${verb}`, count);
    report('Git requests', coldGit.length);
    report('  refs round trips (GET info/refs)', coldGit.filter(isRefsRequest).length);
    report('  fetches (POST git-upload-pack)', coldGit.filter((r) => r.service === 'git-upload-pack' && r.method === 'POST').length);
    against('agent peak RSS', coldMemory.peakMiB, 'MiB', '< 250 MiB');
    report('agent heap after GC', (coldProbe.at(-1)?.heap ?? 0) / MiB, 'MiB');
    report('agent V8 heap reserved (heapTotal), largest', Math.max(0, ...coldProbe.map((s) => s.heapTotal)) / MiB, 'MiB');
    report('event-loop delay, worst 5 s window max', Math.max(0, ...coldProbe.map((s) => s.maxDelayNs)) / 1e6, 'ms');
    report('event-loop delay, worst 5 s window p99', Math.max(0, ...coldProbe.map((s) => s.p99DelayNs)) / 1e6, 'ms');

    // The compressed hour: the interval set to `--interval`; the spec change is one more run each.
    const gitsyncs = client.list('ferry.dev/v1alpha1', 'GitSync');
    for (const batch of batches(await gitsyncs, 32)) {
      await Promise.all(batch.map((object) => client.mergePatch({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: object.metadata.namespace as string, name: 'app' }, { spec: { source: { interval: size.interval } } })));
    }
    const afterPatch = await reconcilesSoFar(port);
    await until(async () => (await reconcilesSoFar(port)) >= afterPatch + size.gitsyncs, 3_600_000, 'one run of each GitSync after the interval change', 1000);
    const probeBefore = probeSamples(heapLog).length;
    sim.resetRequests();
    await git.resetRequests();
    const windowStart = performance.now();
    const reconcilesBefore = await reconcilesSoFar(port);
    let polls = 0;
    await until(
      async () => {
        polls = (await reconcilesSoFar(port)) - reconcilesBefore;
        return polls >= size.rounds * size.gitsyncs;
      },
      6 * 3_600_000,
      `${size.rounds} polls of each GitSync`,
      // Each scrape of /metrics costs the agent ~75 ms at 1,000 GitSyncs (4 MB of series): a
      // scrape a second was 15% of its time in a CPU profile, more than Prometheus would cost.
      5000,
    );
    const windowMs = performance.now() - windowStart;
    const pollRequests = [...sim.requests];
    const pollGit = await git.requests();
    const end = memoryOf(pid);
    await sleep(6000);
    const pollProbe = probeSamples(heapLog).slice(probeBefore);
    const reads = pollRequests.filter(isRead);
    const rounds = polls / size.gitsyncs;

    heading(`  an hour of unchanged polls, compressed (${polls} polls: ${rounds.toFixed(1)} per GitSync at ${size.interval})`);
    report('wall time of those polls', windowMs / 1000, 's');
    report('polls per second sustained', polls / (windowMs / 1000));
    against('refs round trips per repository per poll round', pollGit.filter(isRefsRequest).length / size.repos / rounds, '', '1');
    report('Git requests', pollGit.length);
    report('API requests', pollRequests.length);
    report('API requests per GitSync poll', pollRequests.length / Math.max(polls, 1));
    against('API reads (get, list) per GitSync poll', reads.length / Math.max(polls, 1), '', '0: only the watches');
    for (const [verb, count] of byVerb(pollRequests)) report(`  ${verb}`, count);
    report('  the most frequent (verb resource)', '');
    for (const [key, count] of byVerbAndResource(pollRequests).slice(0, 8)) report(`    ${key}`, count);
    report('agent heap after GC, after those polls', (pollProbe.at(-1)?.heap ?? 0) / MiB, 'MiB');
    report('agent heap after GC, median over the window', median(pollProbe.map((s) => s.heap)) / MiB, 'MiB');
    report('agent V8 heap reserved (heapTotal), largest', Math.max(0, ...pollProbe.map((s) => s.heapTotal)) / MiB, 'MiB');
    report('agent RSS after those polls', end.rssMiB, 'MiB');
    against('agent peak RSS (whole run)', end.peakMiB, 'MiB', '< 250 MiB');
    report('event-loop delay, worst 5 s window max', Math.max(0, ...pollProbe.map((s) => s.maxDelayNs)) / 1e6, 'ms');
    report('event-loop delay, median 5 s window p99', median(pollProbe.map((s) => s.p99DelayNs)) / 1e6, 'ms');
  } finally {
    if (agent && agent.exitCode === null) {
      const exited = new Promise((resolve) => agent!.once('exit', resolve));
      agent.kill('SIGTERM');
      await exited;
    }
    client.close();
    await git.stop();
    await sim.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
