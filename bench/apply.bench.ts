/**
 * Apply: one whole sync of 1,000 objects (ConfigMaps, Services, Deployments) against the local
 * API simulator. First sync (everything created), an unchanged re-sync, and a re-sync with 10%
 * changed: time, API requests by verb, and memory.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '../src/kube/index.js';
import { reconcile, DEFAULT_SETTINGS, type SyncSettings } from '../src/sync/index.js';
import { startKubeSim, type KubeSim } from '../test/support/kube-sim/index.js';
import { heading, measure, report } from './support/measure.js';

const APPS = 250;

function writeRevision(dir: string, image: (i: number) => string): void {
  for (let i = 0; i < APPS; i++) {
    mkdirSync(join(dir, `app-${i}`), { recursive: true });
    writeFileSync(
      join(dir, `app-${i}`, 'app.yaml'),
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-${i}-config}\ndata: {MODE: prod}\n---\n` +
        `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-${i}-flags}\ndata: {FEATURE_X: "on"}\n---\n` +
        `apiVersion: v1\nkind: Service\nmetadata: {name: app-${i}}\nspec:\n  selector: {app: app-${i}}\n  ports: [{port: 80, targetPort: 8080}]\n---\n` +
        `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app-${i}}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: app-${i}}}\n  template:\n    metadata: {labels: {app: app-${i}}}\n    spec:\n      containers:\n      - name: app\n        image: ${image(i)}\n        envFrom: [{configMapRef: {name: app-${i}-config}}]\n`,
    );
  }
}

function settings(dir: string): SyncSettings {
  return {
    namespace: 'bench',
    name: 'apps',
    source: { type: 'directory', dir, path: '.' },
    renderType: 'auto',
    substitute: {},
    substituteFrom: [],
    targetNamespace: 'bench',
    prune: true,
    selfHeal: true,
    suspend: false,
    force: false,
    healthTimeoutMs: 120_000,
    rollback: true,
    historyLimit: 10,
    ignore: [],
    intervalMs: DEFAULT_SETTINGS.intervalMs,
    notify: [],
  };
}

function requestsByVerb(sim: KubeSim): string {
  const counts = new Map<string, number>();
  for (const request of sim.requests) counts.set(request.verb, (counts.get(request.verb) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([verb, n]) => `${verb} ${n}`).join(', ');
}

export default async function applyBenchmark(): Promise<void> {
  heading(`apply: one sync of ${APPS * 4} objects against the API simulator`);
  const sim = await startKubeSim({ controllerDelayMs: 5 });
  const client = KubeClient.fromConfig({ kubeconfig: sim.kubeconfigPath });
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-apply-'));
  try {
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    const sync = () => reconcile(settings(dir), { client }, { pollIntervalMs: 100 });
    const phase = async (name: string) => {
      sim.resetRequests();
      const run = await measure(sync);
      report(`${name}: result`, `${run.result.result} (${run.result.changes.filter((c) => c.action !== 'unchanged').length} changed)`);
      report(`${name}: time`, run.ms, 'ms');
      report(`${name}: API requests`, sim.requests.length);
      report(`${name}: requests by verb`, requestsByVerb(sim));
      report(`${name}: peak heap / RSS`, `${run.peakHeapMiB.toFixed(0)} / ${run.peakRssMiB.toFixed(0)}`, 'MiB');
    };

    writeRevision(dir, () => 'nginx:1.25');
    await phase('first sync (create all)');
    await phase('unchanged re-sync');
    writeRevision(dir, (i) => (i % 10 === 0 ? 'nginx:1.27' : 'nginx:1.25'));
    await phase('10% of Deployments changed');
  } finally {
    client.close();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
