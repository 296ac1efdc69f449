import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatRef } from '../../src/objects.js';
import { reconcile, type SyncOutcome, type SyncSettings } from '../../src/sync/index.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { configMap, removeRevisions, revision, settings } from './harness.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 30 });
});
afterAll(async () => {
  await cluster.stop();
  removeRevisions();
});

const run = (s: SyncSettings, options: Parameters<typeof reconcile>[2] = {}) => reconcile(s, { client: cluster.client }, { pollIntervalMs: 50, ...options });
const pruning = (outcome: SyncOutcome, keep: string) =>
  Object.fromEntries(outcome.changes.filter((c) => !formatRef(c.ref).endsWith(`/${keep}`)).map((c) => [formatRef(c.ref), `${c.action}: ${c.message}`]));

describe('a dry run of a sync', () => {
  it('says what prune would delete with the checks prune makes: protected kinds, ferry.dev/prune: "false", objects taken over, objects already gone', async () => {
    const ns = await cluster.newNamespace('dry');
    const team = `team-${randomBytes(3).toString('hex')}`;
    const namespaceYaml = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${team}\n`;
    const first = revision({ 'keep.yaml': configMap('keep', { a: '1' }), 'old.yaml': configMap('old', { a: '1' }), 'pinned.yaml': configMap('pinned', { a: '1' }), 'taken.yaml': configMap('taken', { a: '1' }), 'gone.yaml': configMap('gone', { a: '1' }), 'ns.yaml': namespaceYaml });
    expect((await run(settings(ns, first))).result).toBe('Synced');
    try {
      const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
      await cluster.client.mergePatch(ref('pinned'), { metadata: { annotations: { 'ferry.dev/prune': 'false' } } });
      await cluster.client.mergePatch(ref('taken'), { metadata: { labels: { 'ferry.dev/sync': null } } });
      await cluster.client.delete(ref('gone'));

      const second = settings(ns, revision({ 'keep.yaml': configMap('keep', { a: '1' }) }));
      const dry = await run(second, { dryRun: true });
      expect(dry.result).toBe('DryRun');
      expect(pruning(dry, 'keep')).toEqual({
        [`ConfigMap/${ns}/old`]: 'deleted: would be pruned',
        [`ConfigMap/${ns}/pinned`]: 'skipped: not pruned: ferry.dev/prune: "false"',
        [`ConfigMap/${ns}/taken`]: `skipped: not pruned: no longer labelled ferry.dev/sync=${ns}.app`,
        [`Namespace/${team}`]: expect.stringMatching(/^skipped: not pruned: a Namespace is pruned only when annotated ferry.dev\/prune: "true"/),
      });
      // What the dry run announced is what the sync then does.
      const real = await run(second);
      expect(real.result).toBe('Synced');
      expect(Object.keys(pruning(real, 'keep')).sort()).toEqual(Object.keys(pruning(dry, 'keep')).sort());
      expect(await cluster.client.getOrNull(ref('old'))).toBeNull();
      expect(await cluster.client.getOrNull(ref('pinned'))).not.toBeNull();
    } finally {
      await cluster.client.delete({ apiVersion: 'v1', kind: 'Namespace', name: team }).catch(() => undefined);
    }
  });
});
