import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedObjectWatcher, type ObjectChange } from '../../src/agent/live-watch.js';
import { silentLogger } from '../../src/log/index.js';
import type { KubeObject } from '../../src/objects.js';
import { eventually, simOnly, startTestCluster, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => cluster.stop());

const managed = (namespace: string, name: string, value: string, labels: Record<string, string> = { 'app.kubernetes.io/managed-by': 'ferry', 'ferry.dev/sync': `${namespace}.shop` }): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, labels },
  data: { value },
});
const CONFIG_MAPS = [{ apiVersion: 'v1', kind: 'ConfigMap' }];

describe('ManagedObjectWatcher', () => {
  it('reports content changes and deletions of managed objects, with the owning sync', async () => {
    const ns = await cluster.newNamespace('live');
    await cluster.client.create(managed(ns, 'cfg', 'one'));
    await cluster.client.create(managed(ns, 'other', 'x', {})); // not ferry's: never reported
    const changes: Array<{ sync: string } & ObjectChange> = [];
    const watcher = new ManagedObjectWatcher({ client: cluster.client, logger: silentLogger(), onChange: (sync, change) => changes.push({ sync, ...change }) });
    watcher.setKinds(CONFIG_MAPS);
    try {
      const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' };
      // Edit until the watch (which starts with a list) has seen one edit.
      let edits = 0;
      await eventually(async () => {
        await cluster.client.mergePatch(ref, { data: { value: `edit-${++edits}` } });
        await new Promise((resolve) => setTimeout(resolve, 100));
        return changes.length > 0;
      });
      expect(changes[0]).toEqual({ sync: `${ns}.shop`, type: 'MODIFIED', ref: expect.objectContaining({ kind: 'ConfigMap', namespace: ns, name: 'cfg' }), resourceVersion: expect.stringMatching(/^\d+$/) });
      changes.length = 0;
      await cluster.client.mergePatch({ ...ref, name: 'other' }, { data: { value: 'y' } });
      await cluster.client.delete(ref);
      await eventually(async () => changes.length > 0);
      expect(changes.map((c) => [c.type, c.ref.name])).toEqual([['DELETED', 'cfg']]);
    } finally {
      watcher.stop();
    }
  });

  it.skipIf(simOnly.skip)('ignores what is not an edit: status and server-owned metadata', async () => {
    const sim = cluster.sim!; // writes a status onto a ConfigMap, which only the simulator lets us do
    const ns = await cluster.newNamespace('live');
    await cluster.client.create(managed(ns, 'cfg', 'one'));
    const changes: string[] = [];
    const watcher = new ManagedObjectWatcher({ client: cluster.client, logger: silentLogger(), onChange: (_sync, change) => changes.push(change.ref.name) });
    sim.resetRequests();
    watcher.setKinds(CONFIG_MAPS);
    try {
      await eventually(async () => sim.requests.some((r) => r.verb === 'watch' && r.resource === 'configmaps'));
      sim.mutateObject('v1', 'ConfigMap', 'cfg', ns, (object) => {
        object.status = { observed: true };
        object.metadata.managedFields = [{ manager: 'someone', operation: 'Update' }];
      });
      sim.mutateObject('v1', 'ConfigMap', 'cfg', ns, (object) => {
        object.data.value = 'two';
      });
      await eventually(async () => changes.length > 0);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(changes).toEqual(['cfg']); // one report: the edit of data, not the status write
    } finally {
      watcher.stop();
    }
  });

  it('follows the kinds it is given, and stops watching the ones dropped', async () => {
    const watcher = new ManagedObjectWatcher({ client: cluster.client, logger: silentLogger(), onChange: () => undefined });
    watcher.setKinds([...CONFIG_MAPS, { apiVersion: 'apps/v1', kind: 'Deployment' }]);
    expect(watcher.watchedKinds).toEqual(['apps/v1|Deployment', 'v1|ConfigMap']);
    watcher.setKinds(CONFIG_MAPS);
    expect(watcher.watchedKinds).toEqual(['v1|ConfigMap']);
    watcher.stop();
    expect(watcher.watchedKinds).toEqual([]);
  });
});
