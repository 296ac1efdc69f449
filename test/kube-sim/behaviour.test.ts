import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kube/index.js';
import type { KubeObject } from '../../src/objects.js';
import { eventually } from '../support/cluster.js';
import { startKubeSim, type KubeSim } from '../support/kube-sim/index.js';
import { requestAs } from '../support/sim-requests.js';

let sim: KubeSim;
let client: KubeClient;
beforeAll(async () => {
  sim = await startKubeSim({ controllerDelayMs: 20, crdEstablishDelayMs: 20, progressDeadlineMs: 150 });
  client = KubeClient.fromConfig({ kubeconfig: sim.kubeconfigPath });
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'b' } });
});
afterAll(async () => {
  client.close();
  await sim.stop();
});

const deployment = (name: string, image: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'b' },
  spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image }] } } },
});
const status = async (kind: string, apiVersion: string, name: string) => (await client.get({ apiVersion, kind, namespace: 'b', name })).status as Record<string, any>;

describe('the simulator’s behaviour', () => {
  it('gives resourceVersions that only grow, and bumps generation on spec changes only', async () => {
    const first = await client.create(deployment('gen', 'nginx:1'));
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'b', name: 'gen' };
    const labelled = await client.mergePatch(ref, { metadata: { labels: { x: 'y' } } });
    expect(labelled.metadata.generation).toBe(1);
    expect(Number(labelled.metadata.resourceVersion)).toBeGreaterThan(Number(first.metadata.resourceVersion));
    const changed = await client.mergePatch(ref, { spec: { replicas: 3 } });
    expect(changed.metadata.generation).toBe(2);
    const unchanged = await client.mergePatch(ref, { spec: { replicas: 3 } });
    expect(unchanged.metadata.generation).toBe(2);
  });

  it('keeps the resourceVersion when a write changes nothing', async () => {
    // A ConfigMap: no controller writes its status between the two patches.
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'noop', namespace: 'b' }, data: { a: '1' } } as KubeObject);
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'b', name: 'noop' };
    const changed = await client.mergePatch(ref, { data: { a: '2' } });
    const unchanged = await client.mergePatch(ref, { data: { a: '2' } });
    expect(unchanged.metadata.resourceVersion).toBe(changed.metadata.resourceVersion);
  });

  it('rolls out a healthy Deployment after a delay', async () => {
    await client.create(deployment('ok', 'nginx:1.25'));
    await eventually(async () => (await status('Deployment', 'apps/v1', 'ok'))?.availableReplicas === 2);
    expect((await status('Deployment', 'apps/v1', 'ok')).conditions.map((c: any) => c.reason)).toEqual(['MinimumReplicasAvailable', 'NewReplicaSetAvailable']);
  });

  it('never makes a broken image available and reports ProgressDeadlineExceeded', async () => {
    await client.create(deployment('bad', 'nginx:broken'));
    await eventually(async () => (await status('Deployment', 'apps/v1', 'bad'))?.conditions?.some((c: any) => c.reason === 'ProgressDeadlineExceeded'));
    expect((await status('Deployment', 'apps/v1', 'bad')).availableReplicas).toBeUndefined();
  });

  it('completes Jobs and fails those with broken images', async () => {
    const job = (name: string, image: string): KubeObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'b' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name, image }] } } } });
    await client.create(job('done', 'busybox:1'));
    await client.create(job('fails', 'busybox:broken'));
    const has = (conditions: any[] | undefined, type: string) => (conditions ?? []).some((c) => c.type === type && c.status === 'True');
    await eventually(async () => has((await status('Job', 'batch/v1', 'done'))?.conditions, 'Complete'));
    await eventually(async () => has((await status('Job', 'batch/v1', 'fails'))?.conditions, 'Failed'));
  });

  it('refuses changes to immutable ConfigMaps', async () => {
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'frozen', namespace: 'b' }, immutable: true, data: { a: '1' } } as KubeObject);
    await expect(client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'b', name: 'frozen' }, { data: { a: '2' } })).rejects.toMatchObject({ code: 'KUBE_INVALID', message: expect.stringContaining('field is immutable') });
  });

  it('keeps a Secret’s data to 1 MiB (decoded bytes, stringData included), as the API server does', async () => {
    const secret = (name: string, data: Record<string, string>, stringData: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, data, stringData });
    const half = Buffer.alloc(512 * 1024, 1).toString('base64');
    // Exactly 1 MiB fits, though its base64 is a third more.
    expect((await requestAs(sim, sim.token, 'POST', '/api/v1/namespaces/b/secrets', { body: secret('full', { a: half, b: half }) })).status).toBe(201);
    const over = await requestAs(sim, sim.token, 'POST', '/api/v1/namespaces/b/secrets', { body: secret('over', { a: half, b: half }, { c: 'x' }) });
    expect(over.status).toBe(422);
    expect(over.body).toMatchObject({
      reason: 'Invalid',
      message: 'Secret "over" is invalid: data: Too long: may not be more than 1048576 bytes',
      details: { name: 'over', kind: 'Secret', causes: [{ reason: 'FieldValueTooLong', message: 'Too long: may not be more than 1048576 bytes', field: 'data' }] },
    });
    expect(await client.getOrNull({ apiVersion: 'v1', kind: 'Secret', namespace: 'b', name: 'over' })).toBeNull();
  });

  it('removes custom resources with their CRD, and objects with their Namespace', async () => {
    await client.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'things.t.example.com' },
      spec: {
        group: 't.example.com',
        scope: 'Namespaced',
        names: { kind: 'Thing', plural: 'things' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    });
    await eventually(() => client.resourceFor('t.example.com/v1', 'Thing'));
    await client.create({ apiVersion: 't.example.com/v1', kind: 'Thing', metadata: { name: 'one', namespace: 'b' } });
    await client.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'things.t.example.com' });
    client.invalidateDiscovery();
    await expect(client.resourceFor('t.example.com/v1', 'Thing')).rejects.toMatchObject({ code: 'KUBE_UNKNOWN_KIND' });
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'doomed' } });
    await client.delete({ apiVersion: 'v1', kind: 'Namespace', name: 'doomed' });
    expect(sim.getObject('v1', 'ConfigMap', 'c', 'doomed')).toBeUndefined();
  });

  it('only marks an object with finalizers for deletion, and deletes it once the last one is removed', async () => {
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'b', name: 'held' };
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: 'b', finalizers: ['example.com/one', 'example.com/two'] } });
    await client.delete(ref);
    const marked = await client.get(ref);
    expect(marked.metadata).toMatchObject({ deletionTimestamp: expect.stringMatching(/Z$/), deletionGracePeriodSeconds: 0, finalizers: ['example.com/one', 'example.com/two'] });
    await client.delete(ref); // a repeated delete changes nothing
    expect((await client.get(ref)).metadata.resourceVersion).toBe(marked.metadata.resourceVersion);
    await expect(client.jsonPatch(ref, [{ op: 'add', path: '/metadata/finalizers/-', value: 'example.com/three' }])).rejects.toMatchObject({
      code: 'KUBE_INVALID',
      message: expect.stringContaining('no new finalizers can be added if the object is being deleted'),
    });
    await client.jsonPatch(ref, [{ op: 'remove', path: '/metadata/finalizers/0' }]);
    expect((await client.get(ref)).metadata.finalizers).toEqual(['example.com/two']);
    await client.jsonPatch(ref, [{ op: 'remove', path: '/metadata/finalizers/0' }]);
    expect(await client.getOrNull(ref)).toBeNull();
  });

  it('serves watches from a bounded change log: a version older than it gets 410 Expired', async () => {
    const { resourceVersion: old } = await client.listPage('v1', 'ConfigMap', { namespace: 'b' });
    const events: string[] = [];
    const abort = new AbortController();
    const watching = client.watch('v1', 'ConfigMap', { namespace: 'b', resourceVersion: old, signal: abort.signal }, (event) => events.push(event.type));
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'churn', namespace: 'b' }, data: { n: '0' } });
    // More changes than the log keeps (2,000), elsewhere in the cluster.
    await Promise.all(Array.from({ length: 2100 }, (_, i) => client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `noise-${i}`, namespace: 'default' } })));
    await eventually(() => events.length > 0);
    abort.abort();
    await watching;
    expect(events).toEqual(['ADDED']); // the open watch saw its change, and only that
    await expect(client.watch('v1', 'ConfigMap', { namespace: 'b', resourceVersion: old, timeoutSeconds: 1 }, () => undefined)).rejects.toMatchObject({
      code: 'KUBE_EXPIRED',
      details: { status: 410, reason: 'Expired' },
    });
  });

  it('logs requests with verb and content type, so tests can count API calls', async () => {
    sim.resetRequests();
    await client.jsonPatch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'b', name: 'ok' }, [{ op: 'replace', path: '/spec/replicas', value: 1 }]);
    expect(sim.requests.at(-1)).toMatchObject({ method: 'PATCH', verb: 'patch', resource: 'deployments', contentType: 'application/json-patch+json', status: 200 });
  });
});
