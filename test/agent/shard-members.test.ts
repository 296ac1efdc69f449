import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kube/index.js';
import { silentLogger } from '../../src/log/index.js';
import { ShardMembership } from '../../src/agent/shard-members.js';
import { eventually, simOnly, startTestCluster, type TestCluster } from '../support/cluster.js';

/**
 * One replica's membership against an API server that answers every Lease request late: how
 * slow may the API be before the replica stops writing, and what a graceful stop leaves behind.
 */

/** The default timings: a 15 s lease, a 10 s renew deadline, a 2 s retry period (up to 2.4 s with jitter). */
const LEASE_MS = 15_000;
/**
 * Every Lease request is answered this late. Were each renewal sent after a look at the others,
 * the deadline counted from the look, a renewal would land 2.5 + 2.5 + 2–2.4 + 2.5 + 2.5 = 12–12.4 s
 * after the look before the last one, past the deadline; sent beside the look, it lands
 * 2.5 + 2–2.4 + 2.5 = 7–7.4 s after the last renewal went out, with room to spare on a busy machine.
 */
const LATENCY_MS = 2500;

let cluster: TestCluster;
let client: KubeClient;
beforeAll(async () => {
  cluster = await startTestCluster();
  client = KubeClient.fromConfig({ kubeconfig: cluster.kubeconfigPath });
});
afterAll(async () => {
  client?.close();
  await cluster?.stop();
});

const leasePath = (identity: string) => `/apis/coordination.k8s.io/v1/namespaces/default/leases/ferry-agent-${identity}`;

/** A replica's membership; `changes` records every view it announces (undefined: it stopped writing). */
function member(identity: string) {
  const changes: Array<readonly string[] | undefined> = [];
  const membership = new ShardMembership(client, { namespace: 'default', identity, leaseDurationMs: LEASE_MS }, (members) => changes.push(members), silentLogger());
  return { membership, changes };
}

describe.skipIf(simOnly.skip)('shard membership when the API server answers slowly', { timeout: 120_000 }, () => {
  it('stays a member while one Lease round trip fits within the renew deadline', async () => {
    const sim = cluster.sim!;
    sim.injectFault({ path: /\/leases/, latencyMs: LATENCY_MS, count: 1_000_000 });
    const { membership, changes } = member('slow');
    membership.start();
    try {
      await eventually(() => membership.members !== undefined, 60_000);
      // Renewals go on, each one written late, and not once does the replica stop writing.
      const renewals = () => sim.requests.filter((r) => r.method === 'PUT' && r.path === leasePath('slow') && r.status === 200).length;
      await eventually(() => renewals() >= 4, 90_000);
      expect(changes).toEqual([['slow']]);
      expect(membership.members).toEqual(['slow']);
    } finally {
      await membership.stop();
      sim.clearFaults();
    }
  });

  it('deletes its member Lease on a graceful stop, even while a renewal is on its way', async () => {
    const sim = cluster.sim!;
    sim.injectFault({ path: /\/leases/, latencyMs: LATENCY_MS, count: 1_000_000 });
    const { membership } = member('leaving');
    membership.start();
    try {
      await eventually(() => membership.members !== undefined, 60_000);
      // A renewal has reached the API server and is not answered yet.
      await eventually(() => sim.requests.some((r) => r.method === 'PUT' && r.path === leasePath('leaving') && r.status === 0), 60_000, 5);
      await membership.stop();
    } finally {
      sim.clearFaults();
    }
    expect(await client.getOrNull({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'default', name: 'ferry-agent-leaving' })).toBeNull();
  });
});
