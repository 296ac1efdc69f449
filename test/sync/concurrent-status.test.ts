import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src/history/index.js';
import { reconcile, type SyncSettings } from '../../src/sync/index.js';
import { simOnly, startTestCluster, type TestCluster } from '../support/cluster.js';
import { configMap, deployment, removeRevisions, revision, settings } from './harness.js';

let cluster: TestCluster;
beforeAll(async () => {
  if (!simOnly.skip) cluster = await startTestCluster({ controllerDelayMs: 30, progressDeadlineMs: 400, concurrentStatusWrites: true });
});
afterAll(async () => {
  await cluster?.stop();
  removeRevisions();
});

const run = (s: SyncSettings) => reconcile(s, { client: cluster.client }, { pollIntervalMs: 50 });

describe.skipIf(simOnly.skip)('a controller writing status beside every sync', () => {
  it('never fails a revision, is no drift, and leaves a re-poll without writes', async () => {
    const ns = await cluster.newNamespace('status');
    const v1 = revision({ 'web.yaml': deployment('web', 'nginx:1.25'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) });
    expect(await run(settings(ns, v1))).toMatchObject({ result: 'Synced', health: { status: 'Healthy' } });
    const v2 = revision({ 'web.yaml': deployment('web', 'nginx:1.27'), 'cfg.yaml': configMap('web-config', { MODE: 'debug' }) });
    const next = await run(settings(ns, v2));
    expect(next).toMatchObject({ result: 'Synced', reason: 'Synced' });
    cluster.sim!.resetRequests();
    const polled = await run(settings(ns, v2));
    expect(polled).toMatchObject({ result: 'Unchanged', drift: [] });
    const writes = cluster.sim!.requests.filter((r) => ['create', 'patch', 'update', 'delete'].includes(r.verb) && r.query.dryRun === undefined && r.resource !== 'secrets');
    expect(writes).toEqual([]);
    expect((await new HistoryStore(cluster.client, ns, 'app').list()).map((h) => [h.action, h.result])).toEqual([['sync', 'Succeeded'], ['sync', 'Succeeded']]);
  });

  it('rolls a failed revision back cleanly while the controller keeps writing', async () => {
    const ns = await cluster.newNamespace('status');
    const good = await run(settings(ns, revision({ 'web.yaml': deployment('web', 'nginx:1.25'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) })));
    expect(good.result).toBe('Synced');
    const bad = await run(settings(ns, revision({ 'web.yaml': deployment('web', 'nginx:broken'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) })));
    expect(bad).toMatchObject({ result: 'RolledBack', appliedRevision: good.revision, rollback: { succeeded: true } });
  });
});
