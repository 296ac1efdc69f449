import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatRef } from '../../src/objects.js';
import { reconcile, type SyncOutcome, type SyncSettings } from '../../src/sync/index.js';
import { eventually, simOnly, startTestCluster, type TestCluster } from '../support/cluster.js';
import { configMap, removeRevisions, revision, settings } from './harness.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 30 });
});
afterAll(async () => {
  await cluster.stop();
  removeRevisions();
});

const run = (s: SyncSettings) => reconcile(s, { client: cluster.client }, { pollIntervalMs: 50 });
const actions = (outcome: SyncOutcome) => Object.fromEntries(outcome.changes.map((c) => [formatRef(c.ref), c.action]));

/** A database migration Job as charts ship it: cleaned up by the TTL controller once it finished. */
const migration = (image: string) => `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
spec:
  ttlSecondsAfterFinished: 300
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: migrate
        image: ${image}
        args: [migrate, up]
`;
const jobRef = (ns: string) => ({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: 'migrate' });

/** What the TTL controller does once a finished Job's time is up. */
async function collectFinishedJob(ns: string): Promise<void> {
  await eventually(async () => ((await cluster.client.get(jobRef(ns))).status as any)?.conditions?.some((c: any) => c.type === 'Complete' && c.status === 'True'));
  cluster.sim!.deleteObject('batch/v1', 'Job', 'migrate', ns);
}

describe.skipIf(simOnly.skip)('a finished Job removed by the TTL controller', () => {
  it('is not drift and is not created again while its spec in Git stays the same', async () => {
    const ns = await cluster.newNamespace('jobs');
    const dir = revision({ 'migrate.yaml': migration('shop/migrations:41'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) });
    expect((await run(settings(ns, dir))).result).toBe('Synced');
    await collectFinishedJob(ns);

    const polled = await run(settings(ns, dir));
    expect(polled).toMatchObject({ result: 'Unchanged', drift: [], health: { status: 'Healthy' } });
    expect(await cluster.client.getOrNull(jobRef(ns))).toBeNull();

    // Another file changes: the finished Job still does not run again.
    const next = await run(settings(ns, revision({ 'migrate.yaml': migration('shop/migrations:41'), 'cfg.yaml': configMap('web-config', { MODE: 'debug' }) })));
    expect(next.result).toBe('Synced');
    expect(actions(next)[`ConfigMap/${ns}/web-config`]).toBe('configured');
    expect(await cluster.client.getOrNull(jobRef(ns))).toBeNull();
  });

  it('runs again when its spec in Git changes', async () => {
    const ns = await cluster.newNamespace('jobs');
    expect((await run(settings(ns, revision({ 'migrate.yaml': migration('shop/migrations:41') })))).result).toBe('Synced');
    await collectFinishedJob(ns);
    const changed = await run(settings(ns, revision({ 'migrate.yaml': migration('shop/migrations:42') })));
    expect(changed.result).toBe('Synced');
    expect(actions(changed)[`Job/${ns}/migrate`]).toBe('created');
  });

  it('is not pruned from the inventory: removing it from Git later deletes nothing and fails nothing', async () => {
    const ns = await cluster.newNamespace('jobs');
    expect((await run(settings(ns, revision({ 'migrate.yaml': migration('shop/migrations:41'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) })))).result).toBe('Synced');
    await collectFinishedJob(ns);
    const polled = await run(settings(ns, revision({ 'migrate.yaml': migration('shop/migrations:41'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) })));
    expect(polled.inventory.map(formatRef)).toContain(`Job/${ns}/migrate`);
    expect((await run(settings(ns, revision({ 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) })))).result).toBe('Synced');
  });
});
