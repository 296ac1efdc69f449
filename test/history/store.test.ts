import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryStore, HISTORY_LABEL, findLastGood, sealSecrets, isKnownFailedRevision, type HistoryEntry, type HistorySummary } from '../../src/history/index.js';
import type { KubeObject } from '../../src/objects.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => cluster.stop());

const configMap = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' } });
const entry = (revision: string, result: 'Succeeded' | 'Failed', objects: KubeObject[] = [configMap('cfg')]): Omit<HistoryEntry, 'number'> => ({
  revision,
  action: 'sync',
  result,
  time: '2026-11-23T10:00:00.000Z',
  durationMs: 1234,
  message: result === 'Succeeded' ? 'applied 1 change' : 'did not become healthy',
  objects,
  inventory: objects.map((o) => `ConfigMap/${o.metadata.name}@v1`),
});
const summary = (number: number, revision: string, result: 'Succeeded' | 'Failed', extra: Partial<HistorySummary> = {}): HistorySummary => ({
  number,
  revision,
  action: 'sync',
  result,
  time: '',
  durationMs: 0,
  message: '',
  ...extra,
});

describe('HistoryStore', () => {
  it('records numbered entries and reads them back whole, summaries without the payload', async () => {
    const ns = await cluster.newNamespace('history');
    const store = new HistoryStore(cluster.client, ns, 'shop');
    const objects = [configMap('cfg'), { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { password: 'never-kept-in-history' } } as KubeObject];
    expect((await store.record(entry('a'.repeat(40), 'Succeeded', objects), 10)).summary).toMatchObject({ number: 1, revision: 'a'.repeat(40) });
    await store.record(entry('b'.repeat(40), 'Failed'), 10);
    expect((await store.list()).map((s) => [s.number, s.revision.slice(0, 1), s.result, s.durationMs])).toEqual([
      [1, 'a', 'Succeeded', 1234],
      [2, 'b', 'Failed', 1234],
    ]);
    // Whole, except that Secrets come back sealed: their keys, never their values.
    expect((await store.get(1))?.objects).toEqual(sealSecrets(objects));
    expect(JSON.stringify((await store.get(1))?.objects)).not.toContain('never-kept-in-history');
    expect((await store.latest())?.number).toBe(2);
    expect((await store.lastGood())?.number).toBe(1);
    expect(await store.get(7)).toBeUndefined();
    // Stored as Secrets of their own type, labelled for the sync.
    const secret = await cluster.client.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'ferry.history.shop.v1' });
    expect(secret).toMatchObject({ type: 'ferry.dev/history.v1', metadata: { labels: { [HISTORY_LABEL]: 'shop' } } });
  });

  it('keeps the newest entries up to the limit, and always the last good one', async () => {
    const ns = await cluster.newNamespace('history');
    const store = new HistoryStore(cluster.client, ns, 'shop');
    await store.record(entry('good', 'Succeeded'), 2);
    for (const revision of ['bad1', 'bad2', 'bad3']) await store.record(entry(revision, 'Failed'), 2);
    expect((await store.list()).map((s) => s.revision)).toEqual(['good', 'bad2', 'bad3']);
  });

  it('keeps an entry too large for one Secret without its objects: its inventory stays, its summary says how large they were', async () => {
    const ns = await cluster.newNamespace('history');
    const store = new HistoryStore(cluster.client, ns, 'shop');
    // Random data does not compress: 1 MiB of it cannot fit.
    const huge = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'huge' }, data: { blob: randomBytes(1024 * 1024).toString('base64') } } as KubeObject;
    const recorded = await store.record(entry('c'.repeat(40), 'Succeeded', [huge, configMap('cfg')]), 10);
    expect(recorded.summary).toMatchObject({ number: 1, revision: 'c'.repeat(40), objectsOmittedKiB: expect.any(Number) });
    expect(recorded.summary.objectsOmittedKiB).toBeGreaterThan(900);
    expect(await store.list()).toEqual([recorded.summary]);
    expect(await store.get(1)).toMatchObject({ objects: [], inventory: ['ConfigMap/huge@v1', 'ConfigMap/cfg@v1'], objectsOmittedKiB: recorded.summary.objectsOmittedKiB });
    // A whole entry after it says nothing of the kind.
    expect((await store.record(entry('d'.repeat(40), 'Succeeded'), 10)).summary.objectsOmittedKiB).toBeUndefined();
  });

  it('says which Secret is unreadable instead of returning half an entry', async () => {
    const ns = await cluster.newNamespace('history');
    const store = new HistoryStore(cluster.client, ns, 'shop');
    await store.record(entry('d'.repeat(40), 'Succeeded'), 10);
    await cluster.client.mergePatch({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'ferry.history.shop.v1' }, { data: { payload: null } });
    await expect(store.get(1)).rejects.toMatchObject({ code: 'HISTORY_CORRUPT', message: `Secret/${ns}/ferry.history.shop.v1: not a readable ferry history entry` });
  });
});

describe('HistoryStore beside other writers', () => {
  it('carries its own label, not the managed-object label the agent watches, so that watch never lists payloads', async () => {
    const ns = await cluster.newNamespace('history');
    await new HistoryStore(cluster.client, ns, 'shop').record(entry('e'.repeat(40), 'Succeeded'), 10);
    const secret = await cluster.client.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'ferry.history.shop.v1' });
    expect(secret.metadata.labels).toMatchObject({ [HISTORY_LABEL]: 'shop' });
    expect(await cluster.client.list('v1', 'Secret', { namespace: ns, labelSelector: 'app.kubernetes.io/managed-by=ferry' })).toEqual([]);
  });

  it('numbers entries safely when several writers record at once (an agent and a ferry apply)', async () => {
    const ns = await cluster.newNamespace('history');
    const writers = Array.from({ length: 4 }, () => new HistoryStore(cluster.client, ns, 'shop'));
    const recorded = await Promise.all(writers.map((store, i) => store.record(entry(String(i).repeat(40), 'Succeeded'), 10)));
    expect(new Set(recorded.map((r) => r.summary.number)).size).toBe(4);
    expect((await writers[0]!.list()).map((s) => s.number)).toEqual([1, 2, 3, 4]);
  });

  it('records after what the caller already listed, without listing again', async () => {
    const ns = await cluster.newNamespace('history');
    const store = new HistoryStore(cluster.client, ns, 'shop');
    await store.record(entry('f'.repeat(40), 'Succeeded'), 10);
    const known = await store.list();
    cluster.sim?.resetRequests();
    expect((await store.record(entry('0'.repeat(40), 'Failed'), 10, known)).summary).toMatchObject({ number: 2 });
    if (cluster.sim) expect(cluster.sim.countRequests({ verb: 'list', resource: 'secrets' })).toBe(0);
  });
});

describe('history rules', () => {
  it('finds the newest good entry', () => {
    expect(findLastGood([summary(1, 'a', 'Succeeded'), summary(2, 'b', 'Succeeded'), summary(3, 'c', 'Failed')])?.number).toBe(2);
    expect(findLastGood([summary(1, 'a', 'Failed')])).toBeUndefined();
  });

  it('knows a revision that failed last time, also when a rollback followed it', () => {
    const failedThenRolledBack = [summary(1, 'good', 'Succeeded'), summary(2, 'bad', 'Failed'), summary(3, 'good', 'Succeeded', { action: 'rollback', rolledBackFrom: 'bad' })];
    expect(isKnownFailedRevision(failedThenRolledBack, 'bad')).toBe(true);
    expect(isKnownFailedRevision(failedThenRolledBack, 'new')).toBe(false);
    // Once it succeeded later (a retried flake), it is not held back.
    expect(isKnownFailedRevision([summary(1, 'x', 'Failed'), summary(2, 'x', 'Succeeded')], 'x')).toBe(false);
  });
});
