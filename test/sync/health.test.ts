import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe.skipIf(simOnly.skip)('health is assessed on every poll, not only after writes', () => {
  it('a workload that stops being available after its sync turns the sync unhealthy at the next poll, with no extra read', async () => {
    const ns = await cluster.newNamespace('health');
    const dir = revision({ 'web.yaml': deployment('web', 'nginx:1.25'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) });
    expect(await run(settings(ns, dir))).toMatchObject({ result: 'Synced', health: { status: 'Healthy' } });
    // Later its pods crash-loop: the controller counts them unavailable.
    cluster.sim!.mutateObject('apps/v1', 'Deployment', 'web', ns, (d) => {
      d.status = { ...d.status, readyReplicas: 0, availableReplicas: 0, unavailableReplicas: 2 };
    });
    cluster.sim!.resetRequests();
    const polled = await run(settings(ns, dir));
    expect(polled).toMatchObject({ result: 'Unchanged', health: { status: 'Progressing' } });
    expect(polled.health?.message).toBe(`Deployment/${ns}/web: Progressing: 0 of 2 updated replicas available`);
    // The health comes from the same read as the drift check: one LIST per kind, nothing more.
    expect(cluster.sim!.countRequests({ verb: 'list', resource: 'deployments' })).toBe(1);

    cluster.sim!.mutateObject('apps/v1', 'Deployment', 'web', ns, (d) => {
      d.status = { ...d.status, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: undefined };
    });
    expect(await run(settings(ns, dir))).toMatchObject({ result: 'Unchanged', health: { status: 'Healthy' } });
  });
});
