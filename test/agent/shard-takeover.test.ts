import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rendezvousOwner } from '../../src/agent/shard-ring.js';
import type { RecordedRequest } from '../support/kube-sim/index.js';
import { runCli } from '../support/cli.js';
import { eventually, simOnly } from '../support/cluster.js';
import { configMap, gitSync, startBed, type Bed } from './harness.js';

/**
 * An agent replica killed in the middle of a sync (`--shards auto`): the replica that takes the
 * GitSync over finishes the job. The revision has two waves, so the killed agent has written the
 * first (and waits for its Deployment to roll out) when it dies, and has not written the second.
 * Each agent has credentials of its own: the simulator's request log says who wrote what.
 */

/** As in shards.test.ts: long enough that a replica on a busy machine renews within its deadline. */
const LEASE_MS = 10_000;
/** Ceiling of every wait: generous, for a busy machine; the conditions are met far sooner. */
const WAIT_MS = 120_000;

let bed: Bed;
beforeAll(async () => {
  bed = await startBed();
});
afterAll(async () => bed?.stop());

type Replica = Awaited<ReturnType<Bed['startAgent']>> & { identity: string };
const started: Replica[] = [];
afterEach(async () => {
  // Faults last until the replicas are down: a killed replica never comes back to life.
  for (const replica of started.splice(0)) await replica.shutdown(1000).catch(() => undefined);
  bed.cluster.sim?.clearFaults();
});

async function startReplica(identity: string): Promise<Replica> {
  const credentials = bed.cluster.sim!.addUser({ name: identity, groups: ['system:masters'] });
  const replica = { ...(await bed.startAgent({ identity, kubeconfig: credentials.kubeconfigPath, shards: { leaseDurationMs: LEASE_MS }, resyncMs: 5_000 })), identity };
  started.push(replica);
  return replica;
}

async function twoReplicas(first: string, second: string): Promise<[Replica, Replica]> {
  const replicas = await Promise.all([startReplica(first), startReplica(second)]);
  await eventually(() => replicas.every((r) => r.membership?.members?.length === 2), WAIT_MS);
  return replicas as [Replica, Replica];
}

/** A fresh namespace whose GitSync `app` rendezvous hashing gives to `owner`. */
async function namespaceOwnedBy(owner: string, members: string[]): Promise<string> {
  for (;;) {
    const ns = await bed.cluster.newNamespace('takeover');
    if (rendezvousOwner(`${ns}/app`, members) === owner) return ns;
  }
}

const wave = (yaml: string, n: number) => yaml.replace('metadata:\n', `metadata:\n  annotations:\n    ferry.dev/wave: "${n}"\n`);
const web = (image: string) =>
  wave(`apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: "${image}"}]\n`, 0);
const files = (value: string, image: string, extra: Record<string, string> = {}) => ({
  'deploy/settings.yaml': wave(configMap('settings', value), 0),
  'deploy/web.yaml': web(image),
  'deploy/after.yaml': wave(configMap('after', value), 1),
  ...extra,
});

const inNamespace = (ns: string, plural: string) => (r: RecordedRequest) => r.path.includes(`/namespaces/${ns}/${plural}`);
const realWrite = (r: RecordedRequest) => r.query.dryRun === undefined;
const status = async (ns: string) => ((await bed.client.get({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'app' })).status ?? {}) as Record<string, any>;
const owner = async (ns: string) => (await bed.client.get({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'app' })).metadata.annotations?.['ferry.dev/owner'];
const data = async (ns: string, name: string) => (await bed.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name }))?.data;
const image = async (ns: string) => ((await bed.client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' })).spec as any).template.spec.containers[0].image;

/** The agents that wrote the namespace, in turn (a writer never comes back after another). */
function writers(requests: RecordedRequest[], ns: string, agents: string[]): string[] {
  const users = requests.filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && r.user && agents.includes(r.user) && r.path.includes(`/namespaces/${ns}/`)).map((r) => r.user as string);
  return users.filter((user, i) => user !== users[i - 1]);
}

/**
 * Kills `replica` the moment the API server answers a request that `landed` picks: from that
 * answer on, nothing it sends reaches the server (it does not even hear the answer's successor).
 * Resolves with the length of the request log at the kill.
 */
function killWhen(replica: Replica, landed: (r: RecordedRequest) => boolean): Promise<number> {
  const sim = bed.cluster.sim!;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`${replica.identity} never sent the request it is to be killed after`));
    }, WAIT_MS);
    const stop = sim.onAnswer((request) => {
      if (!landed(request)) return;
      sim.injectFault({ caller: replica.identity, drop: true, count: 1_000_000 });
      stop();
      clearTimeout(timer);
      resolve(sim.requests.length);
    });
  });
}

describe.skipIf(simOnly.skip)('an agent replica killed in the middle of a sync', { timeout: 600_000 }, () => {
  it('is finished by the replica that takes over, creating nothing twice', async () => {
    const sim = bed.cluster.sim!;
    const [doomed, heir] = await twoReplicas('create-a', 'create-b');
    const agents = [doomed.identity, heir.identity];
    const ns = await namespaceOwnedBy(doomed.identity, agents);
    const repo = await bed.git.createRepo(ns);
    const sha = await repo.commitAndPush(files('one', 'nginx:1.25'));
    const from = sim.requests.length;
    // Killed once its first wave is written: the Deployment rolls out, the second wave waits.
    const killed = killWhen(doomed, (r) => r.user === doomed.identity && r.method === 'POST' && realWrite(r) && inNamespace(ns, 'deployments')(r) && r.status === 201);
    await bed.client.create(gitSync(ns, 'app', repo.url, { source: { url: repo.url, path: 'deploy', interval: '2s' } }));
    const killedAt = await killed;
    const before = sim.requests.slice(from, killedAt);
    expect(before.filter((r) => r.user === doomed.identity && r.method === 'POST' && realWrite(r) && inNamespace(ns, 'configmaps')(r) && r.status === 201)).toHaveLength(1);

    await eventually(async () => (await status(ns)).lastAppliedRevision === sha && (await status(ns)).health === 'Healthy', WAIT_MS, 250);
    expect(await owner(ns)).toBe(heir.identity);
    expect(await data(ns, 'settings')).toEqual({ value: 'one' });
    expect(await data(ns, 'after')).toEqual({ value: 'one' });
    const log = sim.requests.slice(from);
    // Each object created once, by one of the two, and no create refused as already there.
    const creates = (plural: string) => log.filter((r) => r.method === 'POST' && realWrite(r) && inNamespace(ns, plural)(r) && r.status === 201).length;
    expect({ configmaps: creates('configmaps'), deployments: creates('deployments') }).toEqual({ configmaps: 2, deployments: 1 });
    expect(log.filter((r) => r.user && agents.includes(r.user) && r.path.includes(`/namespaces/${ns}/`) && r.status === 409)).toEqual([]);
    expect(writers(sim.requests.slice(from), ns, agents)).toEqual([doomed.identity, heir.identity]);
  });

  it('is finished by the replica that takes over, losing no update', async () => {
    const sim = bed.cluster.sim!;
    const [doomed, heir] = await twoReplicas('update-a', 'update-b');
    const agents = [doomed.identity, heir.identity];
    const ns = await namespaceOwnedBy(doomed.identity, agents);
    const repo = await bed.git.createRepo(ns);
    const first = await repo.commitAndPush(files('one', 'nginx:1.25'));
    await bed.client.create(gitSync(ns, 'app', repo.url, { source: { url: repo.url, path: 'deploy', interval: '1s' } }));
    await eventually(async () => (await status(ns)).lastAppliedRevision === first && (await status(ns)).health === 'Healthy', WAIT_MS, 250);
    expect(await owner(ns)).toBe(doomed.identity);

    const from = sim.requests.length;
    // Killed once it patched the Deployment of the new revision: settings are updated, the second wave is not.
    const killed = killWhen(doomed, (r) => r.user === doomed.identity && r.method === 'PATCH' && realWrite(r) && inNamespace(ns, 'deployments/web')(r) && r.status === 200);
    const second = await repo.commitAndPush(files('two', 'nginx:1.27', { 'deploy/added.yaml': wave(configMap('added', 'two'), 1) }));
    const killedAt = await killed;
    const before = sim.requests.slice(from, killedAt).filter((r) => r.user === doomed.identity && realWrite(r));
    expect(before.some((r) => r.method === 'PATCH' && r.path.endsWith(`/namespaces/${ns}/configmaps/settings`))).toBe(true);
    expect(before.some((r) => r.path.endsWith('/configmaps/after') || (r.method === 'POST' && inNamespace(ns, 'configmaps')(r)))).toBe(false);

    await eventually(async () => (await status(ns)).lastAppliedRevision === second && (await status(ns)).health === 'Healthy', WAIT_MS, 250);
    expect(await owner(ns)).toBe(heir.identity);
    expect(await data(ns, 'settings')).toEqual({ value: 'two' });
    expect(await data(ns, 'after')).toEqual({ value: 'two' });
    expect(await data(ns, 'added')).toEqual({ value: 'two' });
    expect(await image(ns)).toBe('nginx:1.27');
    const log = sim.requests.slice(from);
    expect(log.filter((r) => r.method === 'POST' && realWrite(r) && inNamespace(ns, 'configmaps')(r) && r.status === 201)).toHaveLength(1);
    expect(log.filter((r) => r.user && agents.includes(r.user) && r.path.includes(`/namespaces/${ns}/`) && r.status === 409)).toEqual([]);
    expect(writers(log, ns, agents)).toEqual([doomed.identity, heir.identity]);
    // Both revisions are in the history: the first as the killed agent applied it, the second as the heir finished it.
    const history = await runCli(['--kubeconfig', bed.cluster.kubeconfigPath, 'history', 'app', '-n', ns, '-o', 'json']);
    expect(JSON.parse(history.stdout).items.map((h: any) => h.revision)).toEqual([first, second]);
  });
});
