import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, simOnly } from '../support/cluster.js';
import { configMap, deployment, gitSync, startBed, type Bed } from './harness.js';

const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'default', name: 'ferry-agent-leader' };
const leaseRequests = () => bed.cluster.sim?.requests.filter((r) => r.resource === 'leases').length ?? 0;

let bed: Bed;
beforeAll(async () => {
  bed = await startBed();
});
afterAll(async () => bed?.stop());

describe.skipIf(simOnly.skip)('leader election and shutdown', () => {
  it('lets only the Lease holder sync, and hands over when it stops', async () => {
    const ns = await bed.cluster.newNamespace('leader');
    const repo = await bed.git.createRepo(ns);
    const sha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one') });
    const first = await bed.startAgent({ identity: 'replica-a', leaderElection: true });
    const second = await bed.startAgent({ identity: 'replica-b', leaderElection: true });
    await eventually(() => first.elector?.isLeader || second.elector?.isLeader);
    expect(Boolean(first.elector?.isLeader) && Boolean(second.elector?.isLeader)).toBe(false);
    await bed.client.create(gitSync(ns, 'shop', bed.git.repoUrl(ns)));
    await eventually(async () => ((await bed.client.get({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'shop' })).status as any)?.lastAppliedRevision === sha);
    const leader = first.elector?.isLeader ? first : second;
    const standby = leader === first ? second : first;
    // The standby never synced anything.
    expect((await standby.agent.metrics.syncTotal.get()).values).toEqual([]);
    await leader.shutdown(1000);
    await eventually(() => standby.elector?.isLeader, 10_000);
    const lease = await bed.client.get({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'default', name: 'ferry-agent-leader' });
    expect((lease.spec as any).holderIdentity).toBe(standby === first ? 'replica-a' : 'replica-b');
    expect((lease.spec as any).leaseTransitions).toBeGreaterThanOrEqual(1);
    await standby.shutdown(1000);
  });

  it('renews the Lease on a connection of its own: a leader whose sync traffic is stuck keeps leading, and nobody else takes over', async () => {
    const ns = await bed.cluster.newNamespace('busy');
    const repo = await bed.git.createRepo(ns);
    await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one') });
    const sim = bed.cluster.sim!;
    // Every request for this namespace's ConfigMaps takes 5 s; the leader may send one at a time.
    sim.injectFault({ path: `/api/v1/namespaces/${ns}/configmaps`, latencyMs: 5_000, count: 1_000 });
    const busy = await bed.startAgent({ identity: 'busy', leaderElection: true, maxConcurrent: 1 });
    let standby: Awaited<ReturnType<Bed['startAgent']>> | undefined;
    try {
      // The standby starts once `busy` leads: started together, either may take the free Lease first.
      await eventually(() => busy.elector?.isLeader);
      standby = await bed.startAgent({ identity: 'patient', leaderElection: true });
      const lost: boolean[] = [];
      const watchLeadership = setInterval(() => lost.push(!busy.elector?.isLeader || Boolean(standby?.elector?.isLeader)), 20);
      await bed.client.create(gitSync(ns, 'shop', repo.url));
      // The leader's only request slot is stuck …
      await eventually(() => sim.requests.some((r) => r.path.startsWith(`/api/v1/namespaces/${ns}/configmaps`) && r.status === 0));
      const before = leaseRequests();
      // … for several lease durations, while both replicas keep reading the Lease.
      await eventually(() => leaseRequests() - before >= 30);
      clearInterval(watchLeadership);
      expect(lost.filter(Boolean)).toEqual([]);
    } finally {
      sim.clearFaults();
      await standby?.shutdown(0);
      await busy.shutdown(0);
    }
  });

  it('cancels the running sync at once when the Lease is lost, and writes nothing more for it', async () => {
    const ns = await bed.cluster.newNamespace('lost');
    const repo = await bed.git.createRepo(ns);
    await repo.commitAndPush({ 'deploy/web.yaml': deployment('nginx:broken') });
    const leader = await bed.startAgent({ identity: 'deposed', leaderElection: true });
    await eventually(() => leader.elector?.isLeader);
    await bed.client.create(gitSync(ns, 'slow', repo.url, { health: { timeout: '30s' }, rollback: { enabled: false } }));
    // In its health wait.
    await eventually(async () => (await bed.client.getOrNull({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' })) !== null);
    // Another replica holds the Lease now (and keeps it).
    let usurping = true;
    const usurper = (async () => {
      while (usurping) {
        const lease = await bed.client.get(LEASE);
        await bed.client.replace({ ...lease, spec: { ...(lease.spec as object), holderIdentity: 'usurper', renewTime: new Date().toISOString().replace('Z', '000Z') } }).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      await eventually(() => !leader.elector?.isLeader);
      await eventually(async () => (await leader.agent.metrics.syncTotal.get()).values.some((v) => v.labels.namespace === ns && v.labels.result === 'Cancelled'));
      const writes = () => ['create', 'update', 'patch', 'delete'].reduce((sum, verb) => sum + (leader.client.stats.byVerb[verb] ?? 0), 0);
      const written = writes();
      const before = leaseRequests();
      await eventually(() => leaseRequests() - before >= 20);
      expect(writes()).toBe(written);
      // Not even the cancelled run's status: the new leader owns the GitSync now.
      expect((await bed.client.get({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'slow' })).status).toBeUndefined();
    } finally {
      usurping = false;
      await usurper;
      await leader.shutdown(0);
    }
  });

  it('finishes or cancels a running sync cleanly on shutdown', async () => {
    const ns = await bed.cluster.newNamespace('stop');
    const repo = await bed.git.createRepo(ns);
    await repo.commitAndPush({ 'deploy/web.yaml': deployment('nginx:broken') });
    const running = await bed.startAgent({ identity: 'stopper' });
    await bed.client.create(gitSync(ns, 'slow', repo.url, { health: { timeout: '30s' }, rollback: { enabled: false } }));
    await eventually(async () => (await bed.client.getOrNull({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' })) !== null);
    const started = Date.now();
    await running.shutdown(200);
    expect(Date.now() - started).toBeLessThan(15_000);
    const gs = await bed.client.get({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'slow' });
    // Cancelled, not failed: no failed revision recorded, retried on the next start.
    expect(((gs.status as any)?.conditions ?? []).find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'Unknown', reason: 'Cancelled' });
    expect((gs.status as any)?.failedRevision).toBeUndefined();
  });
});
