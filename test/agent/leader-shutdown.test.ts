import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, simOnly } from '../support/cluster.js';
import { configMap, deployment, gitSync, startBed, type Bed } from './harness.js';

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
