import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, simOnly } from '../support/cluster.js';
import type { TestRepo } from '../support/git-server.js';
import { conditionOf, configMap, gitSync, startBed, type Bed } from './harness.js';

let bed: Bed;
beforeAll(async () => {
  bed = await startBed();
});
afterAll(async () => bed?.stop());

const HOUR = 3_600_000;
const value = async (ns: string) => ((await bed.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' }))?.data as { value?: string } | undefined)?.value;
const gitSyncLists = () => bed.cluster.sim?.requests.filter((r) => r.resource === 'gitsyncs' && r.verb === 'list').length ?? 0;

/** A namespace with a GitSync polling its repository only once an hour: what happens sooner is the watches' doing. */
async function hourlyGitSync(files: Record<string, string>, spec: Record<string, unknown> = {}): Promise<{ ns: string; repo: TestRepo }> {
  const ns = await bed.cluster.newNamespace('watch');
  const repo = await bed.git.createRepo(ns);
  await repo.commitAndPush(files);
  await bed.client.create(gitSync(ns, 'shop', repo.url, { source: { url: repo.url, interval: '1h', path: 'deploy' }, ...spec }));
  return { ns, repo };
}

describe('the agent watches GitSyncs', () => {
  it('acts on a new GitSync and on a spec change at once, listing only at start', async () => {
    const running = await bed.startAgent({ identity: 'watcher', resyncMs: HOUR });
    await eventually(async () => running.agent.ready);
    const listsAtStart = gitSyncLists();
    // A one-hour interval and a one-hour list period: only the watch can bring these in.
    const { ns } = await hourlyGitSync({ 'deploy/cfg.yaml': configMap('cfg', 'one'), 'other/cfg.yaml': configMap('cfg', 'two') });
    await eventually(async () => (await value(ns)) === 'one');
    await bed.client.mergePatch({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'shop' }, { spec: { source: { path: 'other' } } });
    await eventually(async () => (await value(ns)) === 'two');
    if (bed.cluster.sim) expect(gitSyncLists()).toBe(listsAtStart);
    await running.shutdown(1000);
  });

  it('puts back a hand-edited or deleted object within seconds, long before its next poll', async () => {
    const running = await bed.startAgent({ identity: 'healer', resyncMs: HOUR });
    const { ns } = await hourlyGitSync({ 'deploy/cfg.yaml': configMap('cfg', 'from-git') });
    await eventually(async () => (await value(ns)) === 'from-git');
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' };
    await bed.client.mergePatch(ref, { data: { value: 'by-hand' } });
    await eventually(async () => (await value(ns)) === 'from-git', 30_000);
    await bed.client.delete(ref);
    await eventually(async () => (await value(ns)) === 'from-git', 30_000);
    await running.shutdown(1000);
  });

  it('reports a hand edit as drift within seconds when self-heal is off', async () => {
    const running = await bed.startAgent({ identity: 'reporter', resyncMs: HOUR });
    const { ns } = await hourlyGitSync({ 'deploy/cfg.yaml': configMap('cfg', 'from-git') }, { selfHeal: false });
    await eventually(async () => (await value(ns)) === 'from-git');
    await bed.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' }, { data: { value: 'by-hand' } });
    await eventually(async () => {
      const gitsync = await bed.client.getOrNull({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'shop' });
      return conditionOf(gitsync, 'Drifted')?.status === 'True';
    }, 30_000);
    expect(await value(ns)).toBe('by-hand');
    await running.shutdown(1000);
  });

  it('does not hot-loop against another writer: at most three change-prompted syncs in 30 s', async () => {
    const running = await bed.startAgent({ identity: 'fighter', resyncMs: HOUR });
    const { ns } = await hourlyGitSync({ 'deploy/cfg.yaml': configMap('cfg', 'from-git') });
    await eventually(async () => (await value(ns)) === 'from-git');
    await running.agent.idle();
    const syncs = async () => (await running.agent.metrics.syncTotal.get()).values.filter((v) => v.labels.namespace === ns).reduce((sum, v) => sum + v.value, 0);
    const before = await syncs();
    const deadline = Date.now() + 8_000;
    for (let i = 0; Date.now() < deadline; i++) {
      await bed.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' }, { data: { value: `other-writer-${i}` } });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await running.agent.idle();
    const prompted = (await syncs()) - before;
    expect(prompted).toBeGreaterThanOrEqual(1);
    expect(prompted).toBeLessThanOrEqual(3);
    await running.shutdown(1000);
  });

  it.skipIf(simOnly.skip)('does not run the follow-up of a sync that was going on when the GitSync was suspended', async () => {
    const running = await bed.startAgent({ identity: 'suspender', resyncMs: HOUR });
    const { ns, repo } = await hourlyGitSync({ 'deploy/cfg.yaml': configMap('cfg', 'v1') });
    await eventually(async () => (await value(ns)) === 'v1');
    const ref = { apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'shop' };
    const request = (at: string) => bed.client.mergePatch(ref, { metadata: { annotations: { 'ferry.dev/requested-at': at } } });
    // Hold the next sync in its first write for a while.
    bed.cluster.sim!.injectFault({ method: 'PATCH', path: `/api/v1/namespaces/${ns}/configmaps/cfg`, latencyMs: 1500 });
    await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'v2') });
    await request('2026-01-01T00:00:01Z');
    await new Promise((resolve) => setTimeout(resolve, 400));
    await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'v3') });
    await request('2026-01-01T00:00:02Z'); // queues a follow-up run
    await bed.client.mergePatch(ref, { spec: { suspend: true } });
    await eventually(async () => (await value(ns)) === 'v2');
    await running.agent.idle();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await value(ns)).toBe('v2');
    await running.shutdown(1000);
  });

  it.skipIf(simOnly.skip)('lists GitSyncs every few seconds instead when it may not watch them', async () => {
    const sim = bed.cluster.sim!;
    sim.injectFault({ verb: 'watch', path: '/apis/ferry.dev/', status: 403, count: 10_000 });
    try {
      // A one-hour list period: only the fallback to listing every few seconds can find it.
      const running = await bed.startAgent({ identity: 'lister', resyncMs: HOUR });
      const { ns } = await hourlyGitSync({ 'deploy/cfg.yaml': configMap('cfg', 'listed') });
      await eventually(async () => (await value(ns)) === 'listed', 30_000);
      expect(sim.requests.some((r) => r.resource === 'gitsyncs' && r.verb === 'watch' && r.status === 403)).toBe(true);
      expect(running.agent.ready).toBe(true);
      await running.shutdown(1000);
    } finally {
      sim.clearFaults();
    }
  });
});
