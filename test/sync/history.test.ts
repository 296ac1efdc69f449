import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src/history/index.js';
import { reconcile, type SyncSettings } from '../../src/sync/index.js';
import { simOnly, startTestCluster, type TestCluster } from '../support/cluster.js';
import { configMap, deployment, removeRevisions, revision, settings } from './harness.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 30, progressDeadlineMs: 400 });
});
afterAll(async () => {
  await cluster.stop();
  removeRevisions();
});

const run = (s: SyncSettings) => reconcile(s, { client: cluster.client }, { pollIntervalMs: 50 });
const history = async (ns: string, name = 'app') => (await new HistoryStore(cluster.client, ns, name).list()).map((h) => [h.action, h.result]);

describe('the history a reconcile keeps', () => {
  it.skipIf(simOnly.skip)('is listed once per reconcile and each payload read at most once, even through a failure and its rollback', async () => {
    const ns = await cluster.newNamespace('history');
    await run(settings(ns, revision({ 'web.yaml': deployment('web', 'nginx:1.25'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) })));
    await run(settings(ns, revision({ 'web.yaml': deployment('web', 'nginx:1.26'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) })));
    cluster.sim!.resetRequests();
    const bad = await run(settings(ns, revision({ 'web.yaml': deployment('web', 'nginx:broken'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) })));
    expect(bad.result).toBe('RolledBack');
    expect(cluster.sim!.countRequests({ verb: 'list', resource: 'secrets' })).toBe(1);
    // The newest entry (the three-way base, here also the last good one) is read once.
    expect(cluster.sim!.countRequests({ verb: 'get', resource: 'secrets' })).toBe(1);
  });

  it.skipIf(simOnly.skip)('says so when an entry cannot be written, and the applied state stands', async () => {
    const ns = await cluster.newNamespace('history');
    cluster.sim!.injectFault({ method: 'POST', path: `/api/v1/namespaces/${ns}/secrets`, status: 403, count: 1 });
    const outcome = await run(settings(ns, revision({ 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) })));
    expect(outcome).toMatchObject({ result: 'Synced' });
    expect(outcome.historyError).toMatch(/^cannot record history entry 1 \(Secret\/.*\/ferry\.history\.app\.v1\): .*forbidden/i);
    expect(await history(ns)).toEqual([]);
    expect(await cluster.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'web-config' })).not.toBeNull();
  });

  it('refuses up front a GitSync name whose sync label would exceed 63 characters, and writes nothing', async () => {
    const ns = await cluster.newNamespace('history');
    const name = 'payments-api-gateway-with-a-very-long-descriptive-name';
    const outcome = await run(settings(ns, revision({ 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) }), { name }));
    expect(outcome).toMatchObject({ result: 'Failed', reason: 'NameTooLong' });
    expect(outcome.message).toBe(
      `GitSync/${ns}/${name}: name too long: the label ferry.dev/sync=${ns}.${name} on every object it applies would be ${ns.length + 1 + name.length} characters, and label values hold at most 63; choose a name of at most ${62 - ns.length} characters`,
    );
    expect(await cluster.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'web-config' })).toBeNull();
    expect(await history(ns, name)).toEqual([]);
  });
});
