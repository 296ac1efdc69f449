import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpiredError, ForbiddenError, KubeClient, type WatchEvent } from '../../src/kube/index.js';
import type { KubeObject } from '../../src/objects.js';
import { eventually, simOnly, startTestCluster, type TestCluster } from '../support/cluster.js';
import { startKubeSim } from '../support/kube-sim/index.js';

let cluster: TestCluster;
let client: KubeClient;
beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client;
});
afterAll(async () => cluster.stop());

const configMap = (namespace: string, name: string, value: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { value } });
const summary = (events: WatchEvent[]) => events.map((e) => `${e.type} ${e.object.kind}/${e.object.metadata.name}=${(e.object.data as { value?: string } | undefined)?.value ?? ''}`);

describe('KubeClient.watch', () => {
  it('streams creates, changes and deletes after the listed resourceVersion, as whole objects', async () => {
    const ns = await cluster.newNamespace('watch');
    await client.create(configMap(ns, 'before', 'old'));
    const { resourceVersion } = await client.listPage('v1', 'ConfigMap', { namespace: ns });
    const events: WatchEvent[] = [];
    const abort = new AbortController();
    const watching = client.watch('v1', 'ConfigMap', { namespace: ns, resourceVersion, signal: abort.signal }, (event) => events.push(event));
    await client.create(configMap(ns, 'a', 'one'));
    await client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'a' }, { data: { value: 'two' } });
    await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'a' });
    await eventually(async () => events.some((e) => e.type === 'DELETED'));
    abort.abort();
    const last = await watching;
    // Nothing from before the listed version; every event a complete object with its kind.
    expect(summary(events.filter((e) => e.object.metadata.name === 'a' || e.object.metadata.name === 'before'))).toEqual(['ADDED ConfigMap/a=one', 'MODIFIED ConfigMap/a=two', 'DELETED ConfigMap/a=two']);
    expect(events.every((e) => e.object.apiVersion === 'v1' && e.object.metadata.namespace === ns)).toBe(true);
    expect(Number(last)).toBeGreaterThan(Number(resourceVersion));
  });

  it('ends when the server’s timeout passes, and resumes from the last version without repeats', async () => {
    const ns = await cluster.newNamespace('watch');
    const { resourceVersion } = await client.listPage('v1', 'ConfigMap', { namespace: ns });
    const first: WatchEvent[] = [];
    const watching = client.watch('v1', 'ConfigMap', { namespace: ns, resourceVersion, timeoutSeconds: 1 }, (event) => first.push(event));
    await client.create(configMap(ns, 'a', 'one'));
    const last = await watching;
    expect(summary(first)).toEqual(['ADDED ConfigMap/a=one']);
    await client.create(configMap(ns, 'b', 'two'));
    const second: WatchEvent[] = [];
    await client.watch('v1', 'ConfigMap', { namespace: ns, resourceVersion: last, timeoutSeconds: 1 }, (event) => second.push(event));
    expect(summary(second)).toEqual(['ADDED ConfigMap/b=two']);
  });

  it('of a quiet namespace, resumes after the server’s timeout however much changed elsewhere: the bookmark before the end carries the version on', async () => {
    const quiet = await cluster.newNamespace('watch');
    const busy = await cluster.newNamespace('watch');
    const { resourceVersion } = await client.listPage('v1', 'ConfigMap', { namespace: quiet });
    const watching = client.watch('v1', 'ConfigMap', { namespace: quiet, resourceVersion, timeoutSeconds: 6 }, () => undefined);
    // More changes of the kind than a watch can resume across (the simulator keeps 2,000), none in the quiet namespace.
    const names = Array.from({ length: 2_100 }, (_, i) => `churn-${i}`);
    for (let at = 0; at < names.length; at += 50) await Promise.all(names.slice(at, at + 50).map((name) => client.create(configMap(busy, name, 'x'))));
    const last = await watching;
    expect(Number(last)).toBeGreaterThan(Number(resourceVersion));
    const events: WatchEvent[] = [];
    const renewed = client.watch('v1', 'ConfigMap', { namespace: quiet, resourceVersion: last, timeoutSeconds: 1 }, (event) => events.push(event));
    await client.create(configMap(quiet, 'after', 'one'));
    await renewed;
    expect(summary(events)).toEqual(['ADDED ConfigMap/after=one']);
  });

  it('renewed on one abort signal, leaves no listener on it behind (a reflector renews for days)', async () => {
    const ns = await cluster.newNamespace('watch');
    const { resourceVersion } = await client.listPage('v1', 'ConfigMap', { namespace: ns });
    const abort = new AbortController();
    for (let renewal = 0; renewal < 3; renewal++) await client.watch('v1', 'ConfigMap', { namespace: ns, resourceVersion, timeoutSeconds: 1, signal: abort.signal }, () => {});
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
  });

  it('with metadataOnly, streams each object’s metadata without its data: a Secret’s values never arrive', async () => {
    const ns = await cluster.newNamespace('watch');
    const { resourceVersion } = await client.listPage('v1', 'Secret', { namespace: ns, metadataOnly: true });
    const events: WatchEvent[] = [];
    const abort = new AbortController();
    const watching = client.watch('v1', 'Secret', { namespace: ns, resourceVersion, metadataOnly: true, signal: abort.signal }, (event) => events.push(event));
    await client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: ns, labels: { app: 'shop' } }, stringData: { password: 'not-in-the-watch' } });
    await eventually(() => events.length > 0);
    abort.abort();
    await watching;
    expect(events[0]).toMatchObject({ type: 'ADDED', object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', labels: { app: 'shop' } } } });
    expect(JSON.stringify(events)).not.toContain('not-in-the-watch');
    expect(Object.keys(events[0]?.object ?? {}).sort()).toEqual(['apiVersion', 'kind', 'metadata']);
  });

  it('rejects a compacted resourceVersion with ExpiredError (410): list again', async () => {
    await expect(client.watch('v1', 'ConfigMap', { namespace: 'default', resourceVersion: '1', timeoutSeconds: 5 }, () => undefined)).rejects.toBeInstanceOf(ExpiredError);
  });

  it.skipIf(simOnly.skip)('rejects a watch the service account may not make with ForbiddenError', async () => {
    const sim = await startKubeSim({ forbidden: [{ verb: 'watch', resource: 'configmaps' }] });
    const limited = KubeClient.fromConfig({ kubeconfig: sim.kubeconfigPath });
    await expect(limited.watch('v1', 'ConfigMap', { namespace: 'default', resourceVersion: '100' }, () => undefined)).rejects.toSatisfy(
      (error: unknown) => error instanceof ForbiddenError && error.message.includes('cannot watch resource "configmaps"'),
    );
    limited.close();
    await sim.stop();
  });
});
