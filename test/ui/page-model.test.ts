import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import type { HistorySummary } from '../../src/history/index.js';
import { buildGitSyncPage } from '../../src/ui/page-model.js';

const sha1 = '1111111111111111111111111111111111111111';
const sha2 = '2222222222222222222222222222222222222222';

const gitsync: KubeObject = {
  apiVersion: 'ferry.dev/v1alpha1',
  kind: 'GitSync',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { source: { url: 'https://github.com/acme/shop', path: 'deploy' } },
  status: {
    conditions: [{ type: 'Ready', status: 'True', reason: 'Synced', message: 'ok' }, { type: 'Drifted', status: 'True', reason: 'DriftDetected', message: '1 object drifted' }],
    health: 'Progressing',
    lastAppliedRevision: sha2,
    lastGoodRevision: sha2,
    inventory: ['Namespace/shop@v1', 'Deployment/shop/web@apps/v1', 'ConfigMap/shop/cfg@v1', 'Secret/shop/creds@v1', 'Service/shop/web@v1'],
    drift: { count: 1, objects: [{ ref: 'ConfigMap/shop/cfg', change: 'changed', paths: ['/data/value'] }] },
  },
};

const deployment: KubeObject = {
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', uid: 'd1', generation: 2 },
  spec: { replicas: 1 }, status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 },
};
const replicaSet: KubeObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-abc', namespace: 'shop', uid: 'r1', ownerReferences: [{ kind: 'Deployment', name: 'web', uid: 'd1' }] }, spec: { replicas: 1 }, status: { replicas: 1, readyReplicas: 1, availableReplicas: 1 } };
const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-abc-1', namespace: 'shop', uid: 'p1', ownerReferences: [{ kind: 'ReplicaSet', name: 'web-abc', uid: 'r1' }] }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } };
const strayPod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other', namespace: 'shop', uid: 'p9' }, status: { phase: 'Running' } };
const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop', uid: 'c1' }, data: { value: 'by-hand' } };
const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'shop', uid: 's1' } };
const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', uid: 'n1' }, status: { phase: 'Active' } };

const history: HistorySummary[] = [
  { number: 1, revision: sha1, action: 'sync', result: 'Succeeded', time: '2026-01-01T00:00:00Z', durationMs: 900, message: '' },
  { number: 2, revision: sha2, action: 'sync', result: 'Succeeded', time: '2026-01-01T01:00:00Z', durationMs: 1100, message: '' },
];

const event = (name: string, kind: string, objectName: string, time: string, reason: string): KubeObject => ({
  apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'shop' },
  involvedObject: { kind, name: objectName, namespace: 'shop' }, type: 'Normal', reason, message: `${reason} happened`, count: 1, lastTimestamp: time,
});

describe('a GitSync page', () => {
  const page = buildGitSyncPage({
    gitsync,
    live: [deployment, replicaSet, pod, strayPod, configMap, secret, namespace],
    events: [event('e1', 'GitSync', 'web', '2026-01-01T00:00:00Z', 'Synced'), event('e2', 'Deployment', 'web', '2026-01-01T02:00:00Z', 'ScalingReplicaSet'), event('e3', 'Pod', 'other', '2026-01-01T03:00:00Z', 'Pulled')],
    history,
    diffs: new Map([['ConfigMap/shop/cfg', '--- live\n+++ git\n-  value: by-hand\n+  value: git\n']]),
  });

  it('groups the managed objects by kind in apply order', () => {
    expect(page.groups.map((group) => group.kind)).toEqual(['Namespace', 'ConfigMap', 'Secret', 'Service', 'Deployment']);
  });

  it('shows owned children under their owner with their own health, and no unrelated object', () => {
    const web = page.groups.find((group) => group.kind === 'Deployment')?.objects[0];
    expect(web).toMatchObject({ ref: 'Deployment/shop/web', health: 'Healthy' });
    expect(web?.children.map((child) => child.ref)).toEqual(['ReplicaSet/shop/web-abc']);
    expect(web?.children[0]?.children.map((child) => [child.ref, child.health])).toEqual([['Pod/shop/web-abc-1', 'Healthy']]);
    expect(JSON.stringify(page)).not.toContain('other');
  });

  it('says Missing for an object of the inventory that is gone', () => {
    expect(page.groups.find((group) => group.kind === 'Service')?.objects[0]).toMatchObject({ ref: 'Service/shop/web', health: 'Missing' });
  });

  it('shows each drifted object with its paths and its diff', () => {
    expect(page.drift).toEqual([{ ref: 'ConfigMap/shop/cfg', change: 'changed', paths: ['/data/value'], diff: '--- live\n+++ git\n-  value: by-hand\n+  value: git\n' }]);
  });

  it('lists history newest first, marks the current and the last good entry, with commit links', () => {
    expect(page.history.map((h) => [h.number, h.revision, h.current, h.lastGood])).toEqual([[2, '2222222', true, true], [1, '1111111', false, false]]);
    expect(page.history[1]?.commitUrl).toBe(`https://github.com/acme/shop/commit/${sha1}`);
  });

  it('lists recent Events of the GitSync and its objects, newest first', () => {
    expect(page.events.map((e) => [e.reason, e.object])).toEqual([['ScalingReplicaSet', 'Deployment/shop/web'], ['Synced', 'GitSync/shop/web']]);
  });

  it('keeps the conditions and revisions', () => {
    expect(page.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['Ready=True', 'Drifted=True']);
    expect(page.revisions).toEqual({ applied: '2222222', lastGood: '2222222' });
  });

  it('handles 2,000 objects with a pod each in one pass', () => {
    const inventory = Array.from({ length: 2000 }, (_, i) => `Deployment/shop/d${i}@apps/v1`);
    const live = Array.from({ length: 2000 }, (_, i) => [
      { ...deployment, metadata: { name: `d${i}`, namespace: 'shop', uid: `d${i}` } },
      { ...pod, metadata: { name: `d${i}-p`, namespace: 'shop', uid: `p${i}`, ownerReferences: [{ uid: `d${i}` }] } },
    ]).flat();
    const big = buildGitSyncPage({ gitsync: { ...gitsync, status: { inventory } }, live, events: [], history: [] });
    expect(big.groups[0]?.objects).toHaveLength(2000);
    expect(big.groups[0]?.objects.every((o) => o.children.length === 1)).toBe(true);
  });
});
