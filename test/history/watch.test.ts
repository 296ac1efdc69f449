import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryStore, HistoryWatch, type HistoryEntry } from '../../src/history/index.js';
import { silentLogger } from '../../src/log/index.js';
import type { KubeObject } from '../../src/objects.js';
import { eventually, simOnly, startTestCluster, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => cluster.stop());

const configMap = (name: string, value = '1'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { value } });
const entry = (revision: string, objects: KubeObject[] = [configMap('cfg')]): Omit<HistoryEntry, 'number'> => ({
  revision,
  action: 'sync',
  result: 'Succeeded',
  time: '2026-12-03T08:00:00.000Z',
  durationMs: 10,
  message: 'applied',
  objects,
  inventory: objects.map((o) => `ConfigMap/${o.metadata.name}@v1`),
});

/** A watch of one namespace's history, started and synced (it answers). */
async function watching(ns: string, options: { maxEntryBytes?: number } = {}): Promise<HistoryWatch> {
  const watch = new HistoryWatch({ client: cluster.client, logger: silentLogger(), namespace: ns, ...options });
  watch.start();
  await eventually(() => watch.secretsOf(ns, 'any') !== undefined);
  return watch;
}

/** Secrets read in `ns` (list or get) by what `during` does. */
async function secretReads(ns: string, during: () => Promise<unknown>): Promise<string[]> {
  const sim = cluster.sim!;
  sim.resetRequests();
  await during();
  return sim.requests.filter((r) => r.resource === 'secrets' && r.path.includes(`/namespaces/${ns}/`) && (r.verb === 'list' || r.verb === 'get')).map((r) => `${r.verb} ${r.path}`);
}

describe.skipIf(simOnly.skip)('HistoryWatch: the history every GitSync reads at each poll, from one watch', () => {
  it('answers the list and the newest entry of a store that wrote them without asking the API server', async () => {
    const ns = await cluster.newNamespace('history-watch');
    const watch = await watching(ns);
    const store = new HistoryStore(cluster.client, ns, 'shop', watch);
    await store.record(entry('a'.repeat(40)), 10);
    await store.record(entry('b'.repeat(40), [configMap('cfg', '2')]), 10);
    let latest: HistoryEntry | undefined;
    const reads = await secretReads(ns, async () => {
      for (let poll = 0; poll < 5; poll++) latest = await store.latest();
    });
    expect(reads).toEqual([]);
    expect(latest).toMatchObject({ number: 2, revision: 'b'.repeat(40), objects: [configMap('cfg', '2')] });
    watch.stop();
  });

  it('sees entries another writer recorded (ferry apply beside the agent), reading each new entry once', async () => {
    const ns = await cluster.newNamespace('history-watch');
    const watch = await watching(ns);
    const agentStore = new HistoryStore(cluster.client, ns, 'shop', watch);
    await agentStore.record(entry('a'.repeat(40)), 10);
    // The CLI writes without the agent's cache.
    await new HistoryStore(cluster.client, ns, 'shop').record(entry('c'.repeat(40), [configMap('cfg', 'from-cli')]), 10);
    await eventually(async () => (await agentStore.list()).length === 2);
    const first = await secretReads(ns, () => agentStore.latest());
    expect(first).toEqual([`get /api/v1/namespaces/${ns}/secrets/ferry.history.shop.v2`]);
    const again = await secretReads(ns, () => agentStore.latest());
    expect(again).toEqual([]);
    expect((await agentStore.latest())?.objects).toEqual([configMap('cfg', 'from-cli')]);
    watch.stop();
  });

  it('forgets pruned entries and a deleted GitSync\'s whole history', async () => {
    const ns = await cluster.newNamespace('history-watch');
    const watch = await watching(ns);
    const store = new HistoryStore(cluster.client, ns, 'shop', watch);
    for (const revision of ['a', 'b', 'c']) await store.record(entry(revision.repeat(40)), 2);
    // The last good entry is kept beyond the limit: every entry here succeeded, so it is the newest.
    expect((await store.list()).map((s) => s.number)).toEqual([2, 3]);
    // Another writer removes them all (ferry's finalizer on another replica).
    await new HistoryStore(cluster.client, ns, 'shop').deleteAll();
    await eventually(async () => (await store.list()).length === 0);
    expect(await store.latest()).toBeUndefined();
    watch.stop();
  });

  it('reads from the API server until its first list, and while its watch is broken', async () => {
    const ns = await cluster.newNamespace('history-watch');
    const watch = new HistoryWatch({ client: cluster.client, logger: silentLogger(), namespace: ns });
    const store = new HistoryStore(cluster.client, ns, 'shop', watch);
    await store.record(entry('a'.repeat(40)), 10);
    // Not started: nothing to answer from.
    expect(await secretReads(ns, () => store.list())).toEqual([`list /api/v1/namespaces/${ns}/secrets`]);
    watch.start();
    await eventually(() => watch.secretsOf(ns, 'shop')?.length === 1);
    expect(await secretReads(ns, () => store.list())).toEqual([]);
    watch.stop();
    expect(await secretReads(ns, () => store.list())).toEqual([`list /api/v1/namespaces/${ns}/secrets`]);
  });

  it('keeps decoded entries within its byte budget, dropping the least recently read first', async () => {
    const ns = await cluster.newNamespace('history-watch');
    // Room for about one entry of 40 ConfigMaps.
    const big = Array.from({ length: 40 }, (_, i) => configMap(`cfg-${i}`, `value-${i}-`.repeat(20)));
    const probe = new HistoryStore(cluster.client, ns, 'probe');
    await probe.record(entry('p'.repeat(40), big), 10);
    const size = Buffer.from(((await cluster.client.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'ferry.history.probe.v1' })).data as Record<string, string>).payload as string, 'base64').length;
    const watch = await watching(ns, { maxEntryBytes: Math.floor(size * 1.5) });
    const one = new HistoryStore(cluster.client, ns, 'one', watch);
    const two = new HistoryStore(cluster.client, ns, 'two', watch);
    await one.record(entry('a'.repeat(40), big), 10);
    await two.record(entry('b'.repeat(40), big), 10);
    await eventually(async () => (await one.list()).length === 1 && (await two.list()).length === 1);
    // The second write pushed the first out: reading it again costs one GET, the second none.
    expect(await secretReads(ns, () => two.latest())).toEqual([]);
    expect(await secretReads(ns, () => one.latest())).toEqual([`get /api/v1/namespaces/${ns}/secrets/ferry.history.one.v1`]);
    watch.stop();
  });
});
