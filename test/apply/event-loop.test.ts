import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, ObjectRef } from '../../src/objects.js';
import { objectKey } from '../../src/objects.js';
import { applyObjects } from '../../src/apply/index.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { configMap } from './manifests.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => cluster.stop());

describe('the diff of a large revision beside the agent\'s timers', () => {
  it('diffing 10,000 objects whose live state the watches hold lets a timer run meanwhile', async () => {
    const ns = await cluster.newNamespace('loop');
    const sync = `${ns}.app`;
    const desired = Array.from({ length: 10_000 }, (_, i) => configMap(ns, `cm-${i}`, { index: String(i) }));
    // Live state as the agent's watch cache holds it: labelled for the sync, as applied.
    const live = new Map<string, KubeObject>(
      desired.map((object) => [
        objectKey({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: object.metadata.name }),
        { ...object, metadata: { ...object.metadata, labels: { 'app.kubernetes.io/managed-by': 'ferry', 'ferry.dev/sync': sync }, uid: `u-${object.metadata.name}`, resourceVersion: '1' } },
      ]),
    );
    const liveCache = { cached: (ref: ObjectRef) => live.get(objectKey(ref)) };
    const diff = () => applyObjects(cluster.client, { sync, desired, base: [...live.values()], liveCache, diffOnly: true });
    await diff(); // discovery and schemas are read once; after that the diff asks the server nothing
    let turns = 0;
    const timer = setInterval(() => turns++, 1);
    const result = await diff().finally(() => clearInterval(timer));
    expect(result.entries).toHaveLength(10_000);
    expect(turns).toBeGreaterThan(0);
  });
});
