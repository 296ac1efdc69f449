import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderElector } from '../../src/agent/index.js';
import { KubeClient } from '../../src/kube/index.js';
import { silentLogger } from '../../src/log/index.js';
import type { KubeObject } from '../../src/objects.js';
import { eventually, simOnly, startTestCluster, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => cluster?.stop());

const LEASE_MS = 1000;
const leaseRef = (namespace: string) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name: 'ferry-agent-leader' });
const microTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** Another replica's Lease, as its own (possibly wrong) clock wrote it. */
async function foreignLease(namespace: string, holder: string, renewTime: number): Promise<KubeObject> {
  return cluster.client.create({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'ferry-agent-leader', namespace },
    spec: { holderIdentity: holder, leaseDurationSeconds: LEASE_MS / 1000, acquireTime: microTime(renewTime), renewTime: microTime(renewTime), leaseTransitions: 0 },
  });
}

/** An elector on a client of its own, recording every change of leadership. */
function elector(namespace: string, identity: string) {
  const client = KubeClient.fromConfig({ kubeconfig: cluster.kubeconfigPath, retry: { maxRetries: 0 } });
  const changes: boolean[] = [];
  const elector = new LeaderElector(client, { namespace, identity, leaseDurationMs: LEASE_MS }, (leader) => changes.push(leader), silentLogger());
  return {
    elector,
    changes,
    async stop() {
      await elector.stop();
      client.close();
    },
  };
}

const leaseRequests = (namespace: string) => cluster.sim?.requests.filter((r) => r.resource === 'leases' && r.path.includes(`/namespaces/${namespace}/`)).length ?? 0;

describe('leader election, as client-go does it', () => {
  it('takes over a Lease nobody renews, even when its holder’s clock ran an hour ahead', async () => {
    const ns = await cluster.newNamespace('lease');
    await foreignLease(ns, 'clock-ahead', Date.now() + 3_600_000);
    const candidate = elector(ns, 'candidate');
    candidate.elector.start();
    await eventually(() => candidate.elector.isLeader);
    expect((await cluster.client.get(leaseRef(ns))).spec).toMatchObject({ holderIdentity: 'candidate', leaseTransitions: 1 });
    await candidate.stop();
  });

  it.skipIf(simOnly.skip)('never takes a Lease its holder keeps renewing, even when the holder’s clock runs an hour behind', async () => {
    const ns = await cluster.newNamespace('lease');
    let lease = await foreignLease(ns, 'clock-behind', Date.now() - 3_600_000);
    let renewing = true;
    const renewer = (async () => {
      // The holder renews every 200 ms; its clock says it is an hour earlier than it is.
      for (let tick = 1; renewing; tick++) {
        lease = await cluster.client.replace({ ...lease, spec: { ...(lease.spec as object), renewTime: microTime(Date.now() - 3_600_000 + tick) } });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
    const candidate = elector(ns, 'candidate');
    const before = leaseRequests(ns);
    candidate.elector.start();
    // Many attempts over several lease durations (the holder's renewals are counted too).
    await eventually(() => leaseRequests(ns) - before >= 40, 30_000);
    expect(candidate.changes).toEqual([]);
    renewing = false;
    await renewer;
    // Once the holder stops, the Lease is taken a lease duration after its last change was seen.
    await eventually(() => candidate.elector.isLeader);
    await candidate.stop();
  });

  it.skipIf(simOnly.skip)('keeps leading through a failed renewal, and steps down when none succeeds before the renew deadline', async () => {
    const ns = await cluster.newNamespace('lease');
    const leader = elector(ns, 'leader');
    leader.elector.start();
    await eventually(() => leader.elector.isLeader);
    const sim = cluster.sim!;
    sim.injectFault({ path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/ferry-agent-leader`, status: 500, count: 1 });
    const before = leaseRequests(ns);
    // The failure, then renewals that succeed.
    await eventually(() => leaseRequests(ns) - before >= 6);
    expect(leader.changes).toEqual([true]);
    // Now every renewal hangs: the leader steps down by its renew deadline, without waiting for an answer.
    sim.injectFault({ path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/ferry-agent-leader`, latencyMs: 60_000, count: 1_000 });
    try {
      await eventually(() => !leader.elector.isLeader);
      expect(leader.changes).toEqual([true, false]);
    } finally {
      sim.clearFaults();
    }
    await leader.stop();
  });

  it('steps down as soon as it sees another replica holding the Lease', async () => {
    const ns = await cluster.newNamespace('lease');
    const leader = elector(ns, 'leader');
    leader.elector.start();
    await eventually(() => leader.elector.isLeader);
    const lease = await cluster.client.get(leaseRef(ns));
    await cluster.client.replace({ ...lease, spec: { ...(lease.spec as object), holderIdentity: 'usurper', renewTime: microTime(Date.now()) } });
    await eventually(() => !leader.elector.isLeader);
    await leader.stop();
  });

  it('hands the Lease over on stop: the next candidate takes it without waiting for it to expire', async () => {
    const ns = await cluster.newNamespace('lease');
    const first = elector(ns, 'first');
    first.elector.start();
    await eventually(() => first.elector.isLeader);
    await first.stop();
    expect((await cluster.client.get(leaseRef(ns))).spec).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    const second = elector(ns, 'second');
    second.elector.start();
    await eventually(() => second.elector.isLeader);
    expect((await cluster.client.get(leaseRef(ns))).spec).toMatchObject({ holderIdentity: 'second', leaseTransitions: 1 });
    await second.stop();
  });

  it('refuses timings client-go would refuse: the renew deadline must lie between the retry period and the lease duration', () => {
    const client = KubeClient.fromConfig({ kubeconfig: cluster.kubeconfigPath });
    const make = (timing: { leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number }) => () => new LeaderElector(client, { namespace: 'x', identity: 'y', ...timing }, () => undefined, silentLogger());
    expect(make({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow(/renew deadline .* must be shorter than the lease duration/);
    expect(make({ renewDeadlineMs: 2_000, retryPeriodMs: 2_000 })).toThrow(/retry period .* must be shorter than/);
    expect(make({})).not.toThrow();
    client.close();
  });
});
