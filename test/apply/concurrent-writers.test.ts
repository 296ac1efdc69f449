import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { refOf } from '../../src/objects.js';
import { applyObjects, type ApplyRequest } from '../../src/apply/index.js';
import { simOnly, startTestCluster, type TestCluster } from '../support/cluster.js';
import { configMap, deployment } from './manifests.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 20 });
});
afterAll(() => cluster.stop());

const apply = (ns: string, desired: KubeObject[], base: KubeObject[], extra: Partial<ApplyRequest> = {}) =>
  applyObjects(cluster.client, { sync: `${ns}.app`, desired, base, pollIntervalMs: 20, dependencyTimeoutMs: 10_000, ...extra });

describe.skipIf(simOnly.skip)('other writers during an apply', () => {
  it('a controller updating status between ferry’s read and its dry run does not fail validation', async () => {
    const ns = await cluster.newNamespace('writers');
    const v1 = deployment(ns, 'web', { image: 'nginx:1.26' });
    expect((await apply(ns, [v1], [])).error).toBeUndefined();
    const v2 = deployment(ns, 'web', { image: 'nginx:1.27' });
    const result = await apply(ns, [v2], [v1], {
      onEvent: (event) => {
        // After the LIST, before the dry run: the Deployment controller reports progress.
        if (event.type === 'dry-run') {
          cluster.sim!.mutateObject('apps/v1', 'Deployment', 'web', ns, (object) => {
            object.status = { ...object.status, observedGeneration: object.metadata.generation, conditions: [{ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }] };
          });
        }
      },
    });
    expect(result.error).toBeUndefined();
    expect(result.entries.map((entry) => entry.action)).toEqual(['configured']);
    expect(((await cluster.client.get(refOf(v2))).spec as any).template.spec.containers[0].image).toBe('nginx:1.27');
  });

  it('a label someone adds between the read and the dry run is kept, and the revision still applies', async () => {
    const ns = await cluster.newNamespace('writers');
    const v1 = configMap(ns, 'settings', { MODE: 'a' });
    await apply(ns, [v1], []);
    const v2 = configMap(ns, 'settings', { MODE: 'b' });
    const result = await apply(ns, [v2], [v1], {
      onEvent: (event) => {
        if (event.type === 'dry-run') {
          cluster.sim!.mutateObject('v1', 'ConfigMap', 'settings', ns, (object) => {
            object.metadata.labels = { ...object.metadata.labels, 'team.example.com/owner': 'payments' };
          });
        }
      },
    });
    expect(result.error).toBeUndefined();
    const live = await cluster.client.get(refOf(v2));
    expect(live.data).toEqual({ MODE: 'b' });
    expect(live.metadata.labels?.['team.example.com/owner']).toBe('payments');
  });

  it('when the server keeps failing during validation, nothing is written and the result says to retry, not to roll back', async () => {
    const ns = await cluster.newNamespace('writers');
    const v1 = [configMap(ns, 'a', { MODE: 'a' }), configMap(ns, 'b', { MODE: 'a' })];
    await apply(ns, v1, []);
    cluster.sim!.injectFault({ method: 'PATCH', path: `/api/v1/namespaces/${ns}/configmaps/b`, status: 503, count: 20 });
    try {
      const result = await apply(ns, [configMap(ns, 'a', { MODE: 'b' }), configMap(ns, 'b', { MODE: 'b' })], v1);
      expect(result.error).toBeDefined();
      expect(result).toMatchObject({ wrote: false, retryable: true });
      expect((await cluster.client.get(refOf(v1[0] as KubeObject))).data).toEqual({ MODE: 'a' });
    } finally {
      cluster.sim!.clearFaults();
    }
  });

  it('applies a revision while a controller writes status right after every read and write, as real controllers do', async () => {
    const busy = await startTestCluster({ controllerDelayMs: 20, concurrentStatusWrites: true });
    try {
      const ns = await busy.newNamespace('writers');
      const v1 = deployment(ns, 'web', { image: 'nginx:1.26' });
      const first = await applyObjects(busy.client, { sync: `${ns}.app`, desired: [v1], base: [], pollIntervalMs: 20, dependencyTimeoutMs: 10_000 });
      expect(first.error).toBeUndefined();
      const v2 = deployment(ns, 'web', { image: 'nginx:1.27' });
      const second = await applyObjects(busy.client, { sync: `${ns}.app`, desired: [v2], base: [v1], pollIntervalMs: 20, dependencyTimeoutMs: 10_000 });
      expect(second.error).toBeUndefined();
      expect(second.entries.map((entry) => entry.action)).toEqual(['configured']);
      expect(((await busy.client.get(refOf(v2))).spec as any).template.spec.containers[0].image).toBe('nginx:1.27');
    } finally {
      await busy.stop();
    }
  });

  it('an invalid revision is refused as such: nothing written, and not worth retrying', async () => {
    const ns = await cluster.newNamespace('writers');
    const bad: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { ports: [{ port: 99999 }] } };
    const result = await apply(ns, [configMap(ns, 'a', { MODE: 'a' }), bad], []);
    expect(result.error?.message).toContain(`Service/${ns}/web: invalid: spec.ports[0].port`);
    expect(result.wrote).toBe(false);
    expect(result.retryable).toBeUndefined();
  });
});
