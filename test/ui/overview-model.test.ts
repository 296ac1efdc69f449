import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { overviewRow, sortRows } from '../../src/ui/overview-model.js';

const sha = 'abcdef0123456789abcdef0123456789abcdef01';

function gitsync(name: string, status: Record<string, unknown>, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'ferry.dev/v1alpha1',
    kind: 'GitSync',
    metadata: { name, namespace: 'shop', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { source: { url: 'https://github.com/acme/shop.git', ref: { branch: 'main' }, path: 'deploy' }, ...spec },
    status,
  };
}

const condition = (type: string, status: string, message = '') => ({ type, status, reason: 'R', message, lastTransitionTime: '2026-01-01T00:00:00Z' });
const synced = {
  conditions: [condition('Ready', 'True', 'applied main@abcdef0'), condition('Healthy', 'True'), condition('Drifted', 'False')],
  health: 'Healthy',
  lastAppliedRevision: sha,
  lastSyncTime: '2026-01-01T00:01:00Z',
  lastSyncResult: 'Synced',
  inventory: ['ConfigMap/shop/cfg@v1', 'Deployment/shop/web@apps/v1'],
  drift: { count: 0, objects: [] },
  history: [{ number: 2, revision: sha, action: 'sync', result: 'Succeeded', time: '2026-01-01T00:01:00Z', durationMs: 1234, message: '' }],
};

describe('an overview row', () => {
  it('says Ready, with source, revision linking to its commit, last sync, duration, object count and message', () => {
    expect(overviewRow(gitsync('web', synced))).toEqual({
      id: 'shop/web',
      namespace: 'shop',
      name: 'web',
      state: 'Ready',
      ready: 'True',
      health: 'Healthy',
      drifted: false,
      suspended: false,
      url: 'https://github.com/acme/shop.git',
      ref: 'main',
      revision: 'main@abcdef0',
      commit: 'abcdef0',
      commitUrl: `https://github.com/acme/shop/commit/${sha}`,
      lastSyncTime: '2026-01-01T00:01:00Z',
      lastSyncResult: 'Synced',
      durationMs: 1234,
      objects: 2,
      message: 'applied main@abcdef0',
    });
  });

  it('leads with the worst state and keeps every flag', () => {
    const drifted = overviewRow(gitsync('a', { ...synced, drift: { count: 1, objects: [{ ref: 'ConfigMap/shop/cfg', change: 'changed', paths: ['/data/value'] }] } }, { suspend: true }));
    expect(drifted).toMatchObject({ state: 'Drifted', drifted: true, suspended: true });
    expect(overviewRow(gitsync('b', synced, { suspend: true })).state).toBe('Suspended');
    expect(overviewRow(gitsync('c', { ...synced, pinnedRevision: 'entry 1 (abcdef0)' }))).toMatchObject({ state: 'Pinned', pinned: 'entry 1 (abcdef0)' });
    expect(overviewRow(gitsync('d', { ...synced, conditions: [condition('Ready', 'False', 'apply failed')] })).state).toBe('Failed');
    expect(overviewRow(gitsync('e', { ...synced, health: 'Degraded' })).state).toBe('Degraded');
    expect(overviewRow(gitsync('f', { ...synced, health: 'Progressing' })).state).toBe('Progressing');
  });

  it('counts the objects of a GitSync whose status summarizes its inventory (over 500 objects)', () => {
    const { inventory: _listed, ...rest } = synced;
    const summarized = { ...rest, inventorySummary: { count: 5000, kinds: [{ apiVersion: 'v1', kind: 'ConfigMap', count: 5000 }], revision: sha } };
    expect(overviewRow(gitsync('big', summarized)).objects).toBe(5000);
  });

  it('is Unknown before the agent has written any status', () => {
    expect(overviewRow(gitsync('new', {}))).toMatchObject({ state: 'Unknown', ready: 'Unknown', revision: '', objects: 0, message: '' });
  });

  it('lists rows by namespace, then name', () => {
    const rows = [overviewRow({ ...gitsync('b', synced), metadata: { name: 'b', namespace: 'x' } }), overviewRow(gitsync('z', synced)), overviewRow(gitsync('a', synced))];
    expect(sortRows(rows).map((row) => row.id)).toEqual(['shop/a', 'shop/z', 'x/b']);
  });
});
