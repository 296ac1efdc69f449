/**
 * Helm hooks in a sync, as Argo CD users know them: pre-install/pre-upgrade hooks first and
 * waited for, post-install/post-upgrade hooks once the release is healthy, test hooks never, and
 * the delete policies honoured — against the simulator, with the migrations fixture chart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatRef } from '../../src/objects.js';
import { reconcile, type SyncOutcome, type SyncSettings } from '../../src/sync/index.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { copyCharts, removeScratch } from '../support/charts.js';
import { settings } from './harness.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 30 });
});
afterAll(async () => {
  await cluster.stop();
  removeScratch();
});

const run = (s: SyncSettings) => reconcile(s, { client: cluster.client }, { pollIntervalMs: 50 });
const actions = (outcome: SyncOutcome) => outcome.changes.map((c) => `${formatRef(c.ref)} ${c.action}`);
const exists = async (ns: string, kind: string, name: string, apiVersion = 'batch/v1') => (await cluster.client.getOrNull({ apiVersion, kind, namespace: ns, name })) !== null;
const chart = (ns: string, dir: string, values?: Record<string, unknown>) =>
  settings(ns, dir, { name: 'orders', source: { type: 'directory', dir, path: 'migrations' }, healthTimeoutMs: 10_000, ...(values ? { helm: { valuesFiles: [], valuesFrom: [], skipCRDs: false, values } } : {}) });
/** The order the simulator saw the release's objects created in (history Secrets aside). */
const created = (ns: string) =>
  (cluster.sim?.requests ?? []).filter((r) => r.method === 'POST' && r.query.dryRun === undefined && r.path.includes(`/namespaces/${ns}/`)).map((r) => r.path.split('/').slice(-1)[0]).filter((resource) => resource !== 'secrets');

describe('Helm hooks in a sync', () => {
  it('runs pre-install hooks by weight before the release, post-install hooks after it, never test or delete hooks; deletes hook-succeeded hooks once healthy', async () => {
    const ns = await cluster.newNamespace('hooks');
    const outcome = await run(chart(ns, copyCharts()));
    expect(outcome.result, outcome.message).toBe('Synced');
    expect(actions(outcome)).toEqual([
      `ConfigMap/${ns}/orders-migration created`,
      `Job/${ns}/orders-migrate created`,
      `Deployment/${ns}/orders-api created`,
      `Job/${ns}/orders-seed created`,
      `Job/${ns}/orders-migrate deleted`,
    ]);
    if (cluster.sim) expect(created(ns)).toEqual(['configmaps', 'jobs', 'deployments', 'jobs']);
    expect(await exists(ns, 'Job', 'orders-migrate')).toBe(false);
    expect(await exists(ns, 'Job', 'orders-seed')).toBe(true);
    expect(await exists(ns, 'Pod', 'orders-test-connection', 'v1')).toBe(false);
    expect(await exists(ns, 'Job', 'orders-cleanup')).toBe(false);
  });

  it('a finished or deleted hook is not drift: an unchanged sync writes nothing; the next release runs the hooks again', async () => {
    const ns = await cluster.newNamespace('hooks');
    const dir = copyCharts();
    expect((await run(chart(ns, dir))).result).toBe('Synced');
    const before = cluster.sim?.requests.length ?? 0;
    const unchanged = await run(chart(ns, dir));
    expect(unchanged.result).toBe('Unchanged');
    expect(unchanged.drift).toEqual([]);
    if (cluster.sim) expect(cluster.sim.requests.slice(before).filter((r) => r.method !== 'GET' && r.query.dryRun === undefined)).toEqual([]);
    const upgraded = await run(chart(ns, dir, { image: 'registry.example.com/orders/api:2.2.0' }));
    expect(upgraded.result, upgraded.message).toBe('Synced');
    // before-hook-creation: a hook Job is created anew for the release (the seed Job too: it has
    // no policy, and before-hook-creation is Helm's default), hook-succeeded deletes it again; a
    // hook ConfigMap whose content did not change stays as it is.
    expect(actions(upgraded)).toEqual([
      `ConfigMap/${ns}/orders-migration unchanged`,
      `Job/${ns}/orders-migrate created`,
      `Deployment/${ns}/orders-api configured`,
      `Job/${ns}/orders-seed recreated`,
      `Job/${ns}/orders-migrate deleted`,
    ]);
  });

  it('a pre-install hook that fails stops the release before any of its objects is applied', async () => {
    const ns = await cluster.newNamespace('hooks');
    const outcome = await run(chart(ns, copyCharts(), { migrationImage: 'registry.example.com/orders/migrate:broken' }));
    expect(outcome.result).toBe('Failed');
    expect(outcome.message).toMatch(/depends on objects that did not become ready.*Job\/.*\/orders-migrate/);
    expect(await exists(ns, 'Deployment', 'orders-api', 'apps/v1')).toBe(false);
  });
});
