import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { createLogger } from '../../src/log/index.js';
import { rendezvousOwner } from '../../src/agent/shard-ring.js';
import type { KubeObject } from '../../src/objects.js';
import type { RecordedRequest } from '../support/kube-sim/index.js';
import { runCli } from '../support/cli.js';
import { eventually, simOnly } from '../support/cluster.js';
import { configMap, gitSync, startBed, type Bed } from './harness.js';

/**
 * Several agent replicas with `--shards auto` against one simulator: each agent has credentials
 * of its own, so the simulator's request log says which agent wrote what. Every GitSync lives in
 * a namespace of its own and applies into it, so a write's path says which GitSync it was for.
 */

/**
 * The lease duration of these specs, with the renew deadline (⅔) and retry period (2⁄15) the
 * agent derives from it. Three agents, the simulator and the Git server share one process here:
 * on a busy machine a Lease round trip can take a second or two, and a replica must renew within
 * the deadline or it stops writing (correctly, but the specs would then watch it step down and
 * come back instead of what they are about).
 */
const LEASE_MS = 10_000;
const RETRY_MS = (LEASE_MS * 2) / 15;
const GITSYNCS = 60;
/** Polls come round often enough for a few in every spec, and seldom enough that 60 GitSyncs do not keep the machine busy. */
const INTERVAL = '10s';
/** Ceiling of every wait: generous, for a busy machine; the conditions are met far sooner. */
const WAIT_MS = 120_000;
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

let bed: Bed;
let sha: string;
let repoUrl: string;
beforeAll(async () => {
  bed = await startBed();
  const repo = await bed.git.createRepo('shared');
  sha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one') });
  repoUrl = repo.url;
});
afterAll(async () => bed?.stop());

type Replica = Awaited<ReturnType<Bed['startAgent']>> & { identity: string };
/** Replicas of the running spec: all stopped after it, whatever it did. */
const started: Replica[] = [];
afterEach(async () => {
  // Faults last until the replicas are down: a killed replica never comes back to life.
  for (const replica of started.splice(0)) await replica.shutdown(1000).catch(() => undefined);
  bed.cluster.sim?.clearFaults();
});

/** A sharded agent that acts as a user of its own (`identity`). */
async function startReplica(identity: string): Promise<Replica> {
  const sim = bed.cluster.sim!;
  const credentials = sim.addUser({ name: identity, groups: ['system:masters'] });
  const running = await bed.startAgent({ identity, ...(process.env.SHARD_LOG ? { logger: createLogger({ destination: createWriteStream(`${process.env.SHARD_LOG}/${identity}.log`) }) } : {}), kubeconfig: credentials.kubeconfigPath, shards: { leaseDurationMs: LEASE_MS }, resyncMs: 5_000 });
  const replica = { ...running, identity };
  started.push(replica);
  return replica;
}

/** Waits until every replica sees exactly these members. */
async function settled(replicas: Replica[]): Promise<void> {
  const names = replicas.map((r) => r.identity).sort();
  try {
    await eventually(() => replicas.every((r) => r.membership?.members?.join(',') === names.join(',')), WAIT_MS);
  } catch (error) {
    throw new Error(`the replicas do not agree on ${names.join(', ')}: ${replicas.map((r) => `${r.identity} sees ${r.membership?.members?.join(', ') ?? '(not a member)'}`).join('; ')}`, { cause: error });
  }
}

/** `count` GitSyncs, each in a namespace of its own; resolves once all of them applied the commit. */
async function createGitSyncs(prefix: string, count = GITSYNCS): Promise<string[]> {
  return createGitSyncsIn(await Promise.all(Array.from({ length: count }, () => bed.cluster.newNamespace(prefix))));
}

async function createGitSyncsIn(namespaces: string[]): Promise<string[]> {
  await Promise.all(namespaces.map((ns) => bed.client.create(gitSync(ns, 'app', repoUrl, { source: { url: repoUrl, path: 'deploy', interval: INTERVAL } }))));
  await eventually(async () => {
    const all = await gitSyncsByNamespace();
    return namespaces.every((ns) => (all.get(ns)?.status as any)?.lastAppliedRevision === sha);
  }, WAIT_MS, 250);
  return namespaces;
}

/** Deletes the GitSyncs while their agents run, and waits until their finalizers are done: the next spec starts with none. */
async function deleteGitSyncs(namespaces: string[]): Promise<void> {
  await Promise.all(namespaces.map((ns) => bed.client.delete({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'app' }).catch(() => undefined)));
  await eventually(async () => {
    const all = await gitSyncsByNamespace();
    return namespaces.every((ns) => !all.has(ns));
  }, WAIT_MS, 250);
}

/** Every GitSync `app` of this spec file, by namespace: one list, however many are asked about. */
async function gitSyncsByNamespace(): Promise<Map<string, KubeObject>> {
  const all = await bed.client.list('ferry.dev/v1alpha1', 'GitSync');
  return new Map(all.filter((g) => g.metadata.name === 'app').map((g) => [g.metadata.namespace ?? '', g]));
}

const key = (ns: string) => `${ns}/app`;

/**
 * Namespaces for `count` GitSyncs, of which `owner` wins a quarter among `replicas`. Chance alone
 * gives a replica none of a dozen now and then (for one of three, 0.8% of the time).
 */
async function namespacesOwnedInPart(prefix: string, count: number, owner: string, replicas: string[]): Promise<string[]> {
  const owned: string[] = [];
  const others: string[] = [];
  while (owned.length + others.length < count) {
    const name = `${prefix}-${randomBytes(4).toString('hex')}`;
    const theirs = rendezvousOwner(key(name), replicas) === owner;
    if (theirs && owned.length < count / 4) owned.push(name);
    if (!theirs && others.length < count - count / 4) others.push(name);
  }
  const namespaces = [...owned, ...others];
  await Promise.all(namespaces.map((name) => bed.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })));
  return namespaces;
}
const ownerOf = (gitsync: KubeObject | undefined) => gitsync?.metadata.annotations?.['ferry.dev/owner'];

/** Waits until the lock of each GitSync is held by the replica `expected` names. */
async function ownedAsExpected(namespaces: string[], expected: (ns: string) => string | undefined): Promise<void> {
  let wrong: string[] = [];
  try {
    await eventually(async () => {
      const all = await gitSyncsByNamespace();
      wrong = namespaces.filter((ns) => ownerOf(all.get(ns)) !== expected(ns));
      return wrong.length === 0;
    }, WAIT_MS, 250);
  } catch (error) {
    const all = await gitSyncsByNamespace();
    throw new Error(`not held by the replica they belong to: ${wrong.map((ns) => `${ns} (held by ${ownerOf(all.get(ns)) ?? 'none'}, belongs to ${expected(ns)})`).join(', ')}`, { cause: error });
  }
}

/** The agent writes of each namespace in the order the simulator received them (from `from` on). */
function writersByNamespace(namespaces: string[], agents: string[], from = 0): Map<string, string[]> {
  const writers = new Map(namespaces.map((ns) => [ns, [] as string[]]));
  for (const request of bed.cluster.sim!.requests.slice(from)) {
    if (!WRITES.has(request.method) || !request.user || !agents.includes(request.user)) continue;
    const ns = /\/namespaces\/([^/]+)\//.exec(request.path)?.[1];
    writers.get(ns ?? '')?.push(request.user);
  }
  return writers;
}

/** The agents that wrote one namespace, in turn: ['a', 'b'] when a wrote and then b, never a again. */
function turns(writers: string[]): string[] {
  return writers.filter((writer, i) => writer !== writers[i - 1]);
}

const leaseLists = (requests: RecordedRequest[], user: string) => requests.filter((r) => r.user === user && r.resource === 'leases' && r.verb === 'list').length;

describe.skipIf(simOnly.skip)('several agent replicas sharing the GitSyncs (--shards auto)', { timeout: 600_000 }, () => {
  it('reconciles each of 60 GitSyncs by exactly one of three agents, the one rendezvous hashing names, and shows it', async () => {
    const replicas = await Promise.all(['agent-a', 'agent-b', 'agent-c'].map(startReplica));
    await settled(replicas);
    const names = replicas.map((r) => r.identity);
    const from = bed.cluster.sim!.requests.length;
    const namespaces = await createGitSyncs('three');
    // A poll more of every GitSync (each begins with a GET of it): still no one else writes.
    const polled = bed.cluster.sim!.requests.length;
    await eventually(() => {
      const read = new Set(bed.cluster.sim!.requests.slice(polled).filter((r) => r.resource === 'gitsyncs' && r.verb === 'get').map((r) => r.path));
      return namespaces.every((ns) => read.has(`/apis/ferry.dev/v1alpha1/namespaces/${ns}/gitsyncs/app`));
    }, WAIT_MS, 250);
    const writers = writersByNamespace(namespaces, names, from);
    const gitsyncs = await gitSyncsByNamespace();
    for (const ns of namespaces) {
      const expected = rendezvousOwner(key(ns), names);
      expect({ ns, writers: turns(writers.get(ns) ?? []) }).toEqual({ ns, writers: [expected] });
      expect(ownerOf(gitsyncs.get(ns))).toBe(expected);
    }
    // Each agent took about a third, and /metrics says how many.
    for (const replica of replicas) {
      const mine = namespaces.filter((ns) => rendezvousOwner(key(ns), names) === replica.identity).length;
      expect(mine).toBeGreaterThan(GITSYNCS / 6);
      const metrics = await (await fetch(`http://127.0.0.1:${replica.server.port}/metrics`)).text();
      expect(metrics).toContain(`ferry_shard_members 3`);
      // Every GitSync of this spec file counts: so far only these 60.
      expect(metrics).toContain(`ferry_shard_gitsyncs{replica="${replica.identity}"} ${mine}`);
    }
    // ferry status -o wide names the owning replica.
    const shown = await runCli(['--kubeconfig', bed.cluster.kubeconfigPath, 'status', '-n', namespaces[0]!, '-o', 'wide']);
    expect(shown.stdout).toMatch(/\bOWNER\b/);
    expect(shown.stdout).toContain(rendezvousOwner(key(namespaces[0]!), names));
    await deleteGitSyncs(namespaces);
  });

  it('moves the GitSyncs of an agent that stops, and of one killed without releasing its Lease, to the others; nothing is written by two at once', async () => {
    const sim = bed.cluster.sim!;
    const replicas = await Promise.all(['stop-a', 'stop-b', 'stop-c'].map(startReplica));
    await settled(replicas);
    const names = replicas.map((r) => r.identity);
    const from = sim.requests.length;
    const namespaces = await createGitSyncs('move');
    const [stopping, killed, survivor] = replicas as [Replica, Replica, Replica];

    // A graceful stop: it deletes its member Lease, the others take its GitSyncs at their next look.
    await stopping.shutdown(1000);
    const afterStop = [killed.identity, survivor.identity];
    await ownedAsExpected(namespaces, (ns) => rendezvousOwner(key(ns), afterStop));

    // A kill: from now on nothing it sends reaches the API server, and its Lease stays as it was.
    const killedAt = sim.requests.length;
    sim.injectFault({ caller: killed.identity, drop: true, count: 1_000_000 });
    const moved = namespaces.filter((ns) => rendezvousOwner(key(ns), afterStop) === killed.identity);
    expect(moved.length).toBeGreaterThan(0);
    await ownedAsExpected(moved, () => survivor.identity);
    // Taken within one lease duration (and the retry periods that notice it), counted in the
    // survivor's own looks at the member Leases: not before the Lease expired, not much after.
    const takeovers = sim.requests.slice(killedAt).findIndex((r) => r.user === survivor.identity && r.method === 'PATCH' && r.resource === 'gitsyncs' && moved.some((ns) => r.path.includes(`/namespaces/${ns}/`)));
    const looks = leaseLists(sim.requests.slice(killedAt, killedAt + takeovers), survivor.identity);
    expect(looks).toBeGreaterThanOrEqual(2);
    expect(looks).toBeLessThanOrEqual(Math.ceil(LEASE_MS / RETRY_MS) + 5);
    // The new owner reconciles what it took.
    await eventually(async () => {
      const runs = (await survivor.agent.metrics.syncTotal.get()).values;
      return moved.every((ns) => runs.some((run) => run.labels.namespace === ns && (run.labels.result === 'Synced' || run.labels.result === 'Unchanged')));
    }, WAIT_MS, 250);

    // Over the whole spec, each GitSync was written by one agent after another, never two at once,
    // and only the GitSyncs of the agents that left changed hands.
    const writers = writersByNamespace(namespaces, names, from);
    for (const ns of namespaces) {
      const first = rendezvousOwner(key(ns), names);
      const second = rendezvousOwner(key(ns), afterStop);
      const third = rendezvousOwner(key(ns), [survivor.identity]);
      const expected = [...new Set([first, second, third])].filter((owner, i, all) => i === 0 || owner !== all[i - 1]);
      const seen = turns(writers.get(ns) ?? []);
      expect({ ns, seen }).toEqual({ ns, seen: expected.slice(0, seen.length) });
      expect(seen.at(-1)).toBe(third);
    }
    await deleteGitSyncs(namespaces);
  });

  it('gives a fourth agent about a quarter of the GitSyncs, and moves no others', async () => {
    const sim = bed.cluster.sim!;
    const replicas = await Promise.all(['join-a', 'join-b', 'join-c'].map(startReplica));
    await settled(replicas);
    const names = replicas.map((r) => r.identity);
    const namespaces = await createGitSyncs('join');
    const from = sim.requests.length;
    const fourth = await startReplica('join-d');
    const all = [...names, fourth.identity];
    await settled([...replicas, fourth]);
    const moving = namespaces.filter((ns) => rendezvousOwner(key(ns), all) === fourth.identity);
    expect(moving.length).toBeGreaterThanOrEqual(GITSYNCS / 8);
    expect(moving.length).toBeLessThanOrEqual((GITSYNCS * 3) / 8);
    await ownedAsExpected(namespaces, (ns) => rendezvousOwner(key(ns), all));
    await eventually(() => {
      const writers = writersByNamespace(moving, all, from);
      return moving.every((ns) => (writers.get(ns) ?? []).includes(fourth.identity));
    }, WAIT_MS, 250);
    const writers = writersByNamespace(namespaces, all, from);
    for (const ns of namespaces) {
      const before = rendezvousOwner(key(ns), names) as string;
      const seen = turns(writers.get(ns) ?? []);
      // The old owner's last writes (its release), then only the new one's.
      if (moving.includes(ns)) expect({ ns, seen }).toEqual({ ns, seen: seen[0] === before ? [before, fourth.identity] : [fourth.identity] });
      else expect({ ns, seen: seen.filter((w) => w !== before) }).toEqual({ ns, seen: [] });
    }
    // Each replica's /metrics speaks of the GitSyncs it holds now, and of no others: the old
    // owner of a moved GitSync dropped its series (a gauge left behind would report it twice).
    // (The new owner's first sync of a GitSync may still be on its way after taking its lock.)
    const reportedBy = async (replica: Replica) => {
      const metrics = await (await fetch(`http://127.0.0.1:${replica.server.port}/metrics`)).text();
      return namespaces.filter((ns) => metrics.includes(`ferry_drifted_objects{namespace="${ns}",name="app"}`));
    };
    const held = (replica: Replica) => namespaces.filter((ns) => rendezvousOwner(key(ns), all) === replica.identity);
    for (const replica of [...replicas, fourth]) {
      await eventually(async () => (await reportedBy(replica)).join() === held(replica).join(), WAIT_MS, 250).catch(() => undefined);
      expect({ replica: replica.identity, reported: await reportedBy(replica) }).toEqual({ replica: replica.identity, reported: held(replica) });
    }
    await deleteGitSyncs(namespaces);
  });

  it('hands a GitSync over even when its first release is refused (a conflict): the next look at it releases it again', async () => {
    const sim = bed.cluster.sim!;
    const replicas = await Promise.all(['hand-a', 'hand-b'].map(startReplica));
    await settled(replicas);
    const names = replicas.map((r) => r.identity);
    const namespaces = await createGitSyncsIn(await namespacesOwnedInPart('hand', 12, 'hand-c', [...names, 'hand-c']));
    // The first write each old owner makes to a GitSync itself (not its status) is its release: refused once.
    for (const name of names) sim.injectFault({ caller: name, method: 'PATCH', path: /\/gitsyncs\/app$/, status: 409, count: 1 });
    const from = sim.requests.length;
    const third = await startReplica('hand-c');
    const all = [...names, third.identity];
    await settled([...replicas, third]);
    const moving = namespaces.filter((ns) => rendezvousOwner(key(ns), all) === third.identity);
    expect(moving).toHaveLength(3);
    await ownedAsExpected(namespaces, (ns) => rendezvousOwner(key(ns), all));
    // A release was refused, and the GitSync moved all the same: released again, then taken.
    const refused = sim.requests.slice(from).filter((r) => r.method === 'PATCH' && r.status === 409 && r.path.endsWith('/gitsyncs/app'));
    expect(refused.length).toBeGreaterThan(0);
    const writers = writersByNamespace(namespaces, all, from);
    for (const ns of moving) expect({ ns, seen: turns(writers.get(ns) ?? []) }).toEqual({ ns, seen: [rendezvousOwner(key(ns), names), third.identity] });
    await deleteGitSyncs(namespaces);
  });
});
