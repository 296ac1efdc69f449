import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refOf } from '../../src/objects.js';
import { applyObjects } from '../../src/apply/index.js';
import { eventually, simOnly, startTestCluster, type TestCluster } from '../support/cluster.js';
import { claim, deployment } from './manifests.js';

let cluster: TestCluster;
beforeAll(async () => {
  // As on EKS, GKE and AKS: the default storage class binds a claim only once a pod uses it.
  cluster = await startTestCluster({ controllerDelayMs: 20, storageClasses: [{ name: 'gp3', volumeBindingMode: 'WaitForFirstConsumer', default: true }] });
});
afterAll(() => cluster.stop());

describe.skipIf(simOnly.skip)('storage with WaitForFirstConsumer classes', () => {
  it('applies a workload and the claim it mounts without waiting for the claim to be Bound first', async () => {
    const ns = await cluster.newNamespace('storage');
    const data = claim(ns, 'data', { size: '10Gi' });
    const web = deployment(ns, 'web', { claim: 'data' });
    const result = await applyObjects(cluster.client, { sync: `${ns}.app`, desired: [web, data], base: [], pollIntervalMs: 20, dependencyTimeoutMs: 2_000 });
    expect(result.error).toBeUndefined();
    expect(result.entries.map((entry) => [entry.ref.kind, entry.action])).toEqual([
      ['PersistentVolumeClaim', 'created'],
      ['Deployment', 'created'],
    ]);
    // With its consumer there, the claim binds.
    await eventually(async () => ((await cluster.client.get(refOf(data))).status as { phase?: string } | undefined)?.phase === 'Bound');
  });
});
