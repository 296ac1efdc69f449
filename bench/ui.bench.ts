/**
 * `ferry ui` at scale, in headless Chromium: the overview with 500 GitSyncs (over 10 namespaces,
 * `-A`) and the page of one GitSync that manages 2,000 ConfigMaps, against the API simulator.
 * The GitSyncs and their status are written as an agent would leave them; no agent runs, so every
 * API request counted is the UI server's own.
 *
 * Printed per page: time to first render (navigation start to the first complete render, read
 * from the page's own performance marks, with the part spent waiting for the first frame), the first payload (the SSE frame that renders it, and
 * the page's HTML, script and stylesheet), the API requests the server made for it by verb.
 *   npm run bench -- ui [--gitsyncs=500] [--objects=2000]
 */
import { KubeClient } from '../src/kube/index.js';
import type { KubeObject } from '../src/objects.js';
import { GitSource } from '../src/source/index.js';
import { startUiServer } from '../src/ui/index.js';
import { gitSyncCrd } from '../test/agent/harness.js';
import { chromiumMissing, launchBrowser, openRecordedPage } from '../test/e2e/browser.js';
import { startKubeSim, type RecordedRequest } from '../test/support/kube-sim/index.js';
import { heading, report } from './support/measure.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SHA = 'a'.repeat(40);
const KiB = 1024;
const WAIT = { timeout: 300_000 };

function sizeFromArgs(argv: string[]): { gitsyncs: number; objects: number } {
  const number = (name: string, fallback: number) => {
    const value = Number(argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`benchmark: --${name} wants a positive whole number`);
    return value;
  };
  return { gitsyncs: number('gitsyncs', 500), objects: number('objects', 2000) };
}

/** A GitSync's status as the agent leaves it after a good sync of `inventory`. */
function syncedStatus(inventory: string[]): Record<string, unknown> {
  const time = new Date().toISOString();
  const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastTransitionTime: time, observedGeneration: 1 });
  return {
    observedGeneration: 1,
    conditions: [condition('Ready', 'True', 'Synced', `applied main@${SHA.slice(0, 7)}`), condition('Healthy', 'True', 'Healthy', 'all objects are healthy'), condition('Drifted', 'False', 'InSync', ''), condition('Stalled', 'False', 'Progressing', '')],
    lastAppliedRevision: SHA,
    lastAttemptedRevision: SHA,
    health: 'Healthy',
    lastSyncTime: time,
    lastSyncResult: 'Synced',
    inventory,
    drift: { count: 0, objects: [] },
    history: [{ number: 1, revision: SHA, result: 'Succeeded', durationMs: 1200, time }],
  };
}

const byVerb = (requests: RecordedRequest[]) => {
  const counts = new Map<string, number>();
  for (const request of requests) counts.set(`${request.verb} ${request.resource ?? request.path}`, (counts.get(`${request.verb} ${request.resource ?? request.path}`) ?? 0) + 1);
  return [...counts].sort();
};

export default async function uiBenchmark(): Promise<void> {
  const size = sizeFromArgs(process.argv.slice(2));
  heading(`ui: \`ferry ui -A\` in headless Chromium — an overview of ${size.gitsyncs} GitSyncs, a GitSync page of ${size.objects} objects`);
  if (chromiumMissing) {
    process.stdout.write(`  skipped: ${chromiumMissing}\n`);
    return;
  }
  const sim = await startKubeSim({ controllerDelayMs: 5, crdEstablishDelayMs: 5 });
  const client = KubeClient.fromConfig({ kubeconfig: sim.kubeconfigPath, maxConcurrent: 32 });
  const cacheDir = mkdtempSync(join(tmpdir(), 'ferry-bench-ui-'));
  const browser = await launchBrowser();
  try {
    await client.create(gitSyncCrd());
    for (let i = 0; i < 100 && !(await client.resourceFor('ferry.dev/v1alpha1', 'GitSync').catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 20));
    const batches = <T>(items: T[], n: number) => Array.from({ length: Math.ceil(items.length / n) }, (_, i) => items.slice(i * n, i * n + n));
    const write = async (objects: KubeObject[]) => {
      for (const batch of batches(objects, 32)) await Promise.all(batch.map((object) => client.create(object)));
    };
    const namespaces = Array.from({ length: 10 }, (_, i) => `team-${i}`);
    await write(namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }) as KubeObject));
    const gitsync = (namespace: string, name: string): KubeObject => ({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', metadata: { namespace, name }, spec: { source: { url: `https://github.com/example/${name}.git`, ref: { branch: 'main' }, interval: '1m', path: 'deploy' }, targetNamespace: namespace } }) as KubeObject;
    const small = Array.from({ length: size.gitsyncs - 1 }, (_, i) => ({ namespace: namespaces[i % namespaces.length] as string, name: `app-${i}` }));
    await write(small.map(({ namespace, name }) => gitsync(namespace, name)));
    for (const { namespace, name } of small) sim.mutateObject('ferry.dev/v1alpha1', 'GitSync', name, namespace, (object) => void (object.status = syncedStatus([`ConfigMap/${namespace}/${name}-cfg@v1`])));
    // The big one: 2,000 ConfigMaps in a namespace of their own, all in its inventory.
    const big = { namespace: 'platform', name: 'platform' };
    await write([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: big.namespace } } as KubeObject]);
    const names = Array.from({ length: size.objects }, (_, i) => `settings-${String(i).padStart(4, '0')}`);
    await write(names.map((name) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: big.namespace, name, labels: { 'app.kubernetes.io/managed-by': 'ferry' } }, data: { value: name } }) as KubeObject));
    await write([gitsync(big.namespace, big.name)]);
    sim.mutateObject('ferry.dev/v1alpha1', 'GitSync', big.name, big.namespace, (object) => void (object.status = syncedStatus(names.map((name) => `ConfigMap/${big.namespace}/${name}@v1`))));

    const ui = await startUiServer({ client: KubeClient.fromConfig({ kubeconfig: sim.kubeconfigPath }), port: 0, git: new GitSource({ cacheDir }) });
    try {
      const measurePage = async (title: string, path: string, rendered: string) => {
        sim.resetRequests();
        const recorded = await openRecordedPage(browser, { colorScheme: 'light' });
        const frames: number[] = [];
        const devtools = await recorded.page.context().newCDPSession(recorded.page);
        await devtools.send('Network.enable');
        devtools.on('Network.eventSourceMessageReceived', (message) => void frames.push(Buffer.byteLength(message.data)));
        let assets = 0;
        recorded.page.on('response', (response) => {
          if (!(response.headers()['content-type'] ?? '').startsWith('text/event-stream')) void response.body().then((body) => (assets += body.length)).catch(() => undefined);
        });
        await recorded.page.goto(`${ui.url}${path}`);
        await recorded.page.locator(rendered).first().waitFor(WAIT);
        const mark = (name: string) => recorded.page.evaluate((mark) => (globalThis as any).performance.getEntriesByName(mark)[0]?.startTime as number, name);
        const [firstFrameMs, firstRenderMs] = [await mark('ferry:first-frame'), await mark('ferry:first-render')];
        const requests = [...sim.requests];
        heading(`  ${title}`);
        report('time to first render (navigation → rendered)', firstRenderMs, 'ms');
        report('  of which until the first frame arrived', firstFrameMs, 'ms');
        report('first payload: the SSE frame', (frames[0] ?? 0) / KiB, 'KiB');
        report('first payload: HTML + script + stylesheet', assets / KiB, 'KiB');
        report('API requests by the UI server', requests.length);
        for (const [verb, count] of byVerb(requests)) report(`  ${verb}`, count);
        await recorded.close();
      };
      await measurePage(`overview, ${size.gitsyncs} GitSyncs in 11 namespaces`, '', `#gitsyncs tbody tr:nth-child(${size.gitsyncs})`);
      await measurePage(`GitSync page, ${size.objects} ConfigMaps`, `gitsyncs/${big.namespace}/${big.name}`, '#objects h2');
    } finally {
      await ui.close();
    }
  } finally {
    await browser.close();
    client.close();
    await sim.stop();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}
