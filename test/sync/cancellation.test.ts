import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src/history/index.js';
import { reconcile, type SyncEvent, type SyncSettings } from '../../src/sync/index.js';
import { simOnly, startTestCluster, type TestCluster } from '../support/cluster.js';
import { configMap, deployment, removeRevisions, revision, settings } from './harness.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 30, progressDeadlineMs: 400 });
});
afterAll(async () => {
  await cluster.stop();
  removeRevisions();
});

/** Runs a reconcile whose signal aborts (SIGTERM, a lost Lease) at the first event `when` picks. */
function runCancelledAt(s: SyncSettings, when: (event: SyncEvent) => boolean) {
  const abort = new AbortController();
  return reconcile(s, { client: cluster.client }, {
    pollIntervalMs: 50,
    signal: abort.signal,
    onEvent: (event) => {
      if (when(event)) abort.abort();
    },
  });
}
const run = (s: SyncSettings) => reconcile(s, { client: cluster.client }, { pollIntervalMs: 50 });
const history = async (ns: string) => (await new HistoryStore(cluster.client, ns, 'app').list()).map((h) => [h.action, h.result]);
const liveImage = async (ns: string) =>
  ((await cluster.client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' })).spec as any).template.spec.containers[0].image;
const writes = (verb: string, resource: string) =>
  cluster.sim!.requests.filter((r) => r.verb === verb && r.resource === resource && r.query.dryRun === undefined).length;

describe('a cancelled reconcile is not a failed one', () => {
  it('cancelled during the health wait: no history entry, no rollback, and the revision is tried again on the next start', async () => {
    const ns = await cluster.newNamespace('cancel');
    const good = revision({ 'web.yaml': deployment('web', 'nginx:1.25'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) });
    expect((await run(settings(ns, good))).result).toBe('Synced');
    const next = revision({ 'web.yaml': deployment('web', 'nginx:broken'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) });

    const cancelled = await runCancelledAt(settings(ns, next), (event) => event.type === 'health');
    expect(cancelled).toMatchObject({ result: 'Cancelled', reason: 'Cancelled' });
    expect(cancelled.rollback).toBeUndefined();
    expect(cancelled.failedRevision).toBeUndefined();
    expect(await history(ns)).toEqual([['sync', 'Succeeded']]);
    // What was written stays written: the next start picks up from there.
    expect(await liveImage(ns)).toBe('nginx:broken');

    // The next start tries the revision for real (not held back as a known failed revision).
    const retried = await run(settings(ns, next));
    expect(retried).toMatchObject({ result: 'RolledBack', failedRevision: cancelled.revision });
    expect(await history(ns)).toEqual([['sync', 'Succeeded'], ['sync', 'Failed'], ['rollback', 'Succeeded']]);
  });

  it('a rollback cancelled half-way is finished on the next start, not healed back to the failed revision', async () => {
    const ns = await cluster.newNamespace('cancel');
    const good = revision({ 'web.yaml': deployment('web', 'nginx:1.25'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) });
    expect((await run(settings(ns, good))).result).toBe('Synced');
    const bad = revision({ 'web.yaml': deployment('web', 'nginx:broken'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }), 'extra.yaml': configMap('added-by-bad', { a: '1' }) });

    const cancelled = await runCancelledAt(settings(ns, bad), (event) => event.type === 'rollback');
    expect(cancelled).toMatchObject({ result: 'Cancelled', reason: 'Cancelled' });
    expect(await history(ns)).toEqual([['sync', 'Succeeded'], ['sync', 'Failed']]);

    const resumed = await run(settings(ns, bad));
    expect(resumed).toMatchObject({ result: 'RolledBack', reason: 'RolledBack', failedRevision: cancelled.revision });
    expect(await liveImage(ns)).toBe('nginx:1.25');
    expect(await cluster.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'added-by-bad' })).toBeNull();
    expect(await history(ns)).toEqual([['sync', 'Succeeded'], ['sync', 'Failed'], ['rollback', 'Succeeded']]);
    // Then the failed revision is held back as usual.
    expect(await run(settings(ns, bad))).toMatchObject({ result: 'Unchanged', reason: 'KnownFailedRevision' });
  });

  it('cancelled before it starts: nothing is read from the cluster or written to it', async () => {
    const ns = await cluster.newNamespace('cancel');
    const abort = new AbortController();
    abort.abort();
    const outcome = await reconcile(settings(ns, revision({ 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) })), { client: cluster.client }, { signal: abort.signal });
    expect(outcome).toMatchObject({ result: 'Cancelled', reason: 'Cancelled', changes: [] });
    expect(await cluster.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'web-config' })).toBeNull();
    expect(await history(ns)).toEqual([]);
  });

  it.skipIf(simOnly.skip)('once the signal aborts, the apply starts no further write, and the next start completes the revision', async () => {
    const ns = await cluster.newNamespace('cancel');
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`cm-${i}.yaml`] = configMap(`cm-${i}`, { index: String(i) });
    const dir = revision(files);
    cluster.sim!.resetRequests();
    const cancelled = await runCancelledAt(settings(ns, dir), (event) => event.type === 'apply' && event.event.type === 'object');
    expect(cancelled.result).toBe('Cancelled');
    // Writes already in flight when the signal aborted finish (at most one per concurrent slot); none start after.
    expect(writes('create', 'configmaps')).toBeLessThanOrEqual(8);
    expect(cancelled.changes.filter((c) => c.action === 'created').length).toBe(writes('create', 'configmaps'));
    expect(await history(ns)).toEqual([]);

    const completed = await run(settings(ns, dir));
    expect(completed.result).toBe('Synced');
    expect((await cluster.client.list('v1', 'ConfigMap', { namespace: ns })).filter((c) => c.metadata.name.startsWith('cm-'))).toHaveLength(40);
  });

  it.skipIf(simOnly.skip)('once the signal aborts, prune deletes nothing more; the next start prunes the rest', async () => {
    const ns = await cluster.newNamespace('cancel');
    const files: Record<string, string> = { 'keep.yaml': configMap('keep', { a: '1' }) };
    for (let i = 0; i < 20; i++) files[`old-${i}.yaml`] = configMap(`old-${i}`, { index: String(i) });
    expect((await run(settings(ns, revision(files)))).result).toBe('Synced');
    const smaller = revision({ 'keep.yaml': configMap('keep', { a: '1' }) });
    cluster.sim!.resetRequests();
    const cancelled = await runCancelledAt(settings(ns, smaller), (event) => event.type === 'apply' && event.event.type === 'object' && event.event.entry.action === 'deleted');
    expect(cancelled.result).toBe('Cancelled');
    expect(writes('delete', 'configmaps')).toBe(1);
    expect(await history(ns)).toEqual([['sync', 'Succeeded']]);

    expect((await run(settings(ns, smaller))).result).toBe('Synced');
    expect((await cluster.client.list('v1', 'ConfigMap', { namespace: ns })).map((c) => c.metadata.name).filter((n) => n !== 'kube-root-ca.crt')).toEqual(['keep']);
  });
});
