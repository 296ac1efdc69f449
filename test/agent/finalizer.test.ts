import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAgent } from '../../src/agent/index.js';
import type { KubeObject } from '../../src/objects.js';
import { eventually, simOnly } from '../support/cluster.js';
import { conditionOf, configMap, gitSync, startBed, type Bed } from './harness.js';

const FINALIZER = 'ferry.dev/finalizer';
let bed: Bed;
let agent: RunningAgent;
beforeAll(async () => {
  bed = await startBed({ tls: true }); // kubectl sends its token only over TLS
  agent = await bed.startAgent({ identity: 'finalizer', failureBackoffMs: 200 });
});
afterAll(async () => bed?.stop());

const gitSyncRef = (ns: string, name = 'shop') => ({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name });
const configMapRef = (ns: string, name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
const historySecrets = async (ns: string, name = 'shop') => bed.client.list('v1', 'Secret', { namespace: ns, labelSelector: `ferry.dev/history=${name}` });

/** A namespace whose GitSync `shop` has applied two ConfigMaps and holds ferry's finalizer. */
async function appliedGitSync(spec: Record<string, unknown> = {}): Promise<string> {
  const ns = await bed.cluster.newNamespace('finalize');
  const repo = await bed.git.createRepo(ns);
  const sha = await repo.commitAndPush({ 'deploy/a.yaml': configMap('a', 'one'), 'deploy/b.yaml': configMap('b', 'two') });
  await bed.client.create(gitSync(ns, 'shop', repo.url, { source: { url: repo.url, interval: '1h', path: 'deploy' }, ...spec }));
  await eventually(async () => ((await bed.client.getOrNull(gitSyncRef(ns)))?.status as { lastAppliedRevision?: string } | undefined)?.lastAppliedRevision === sha);
  return ns;
}

describe('deleting a GitSync', () => {
  it('gives every GitSync the agent reconciles ferry’s finalizer', async () => {
    const ns = await appliedGitSync();
    expect((await bed.client.get(gitSyncRef(ns))).metadata.finalizers).toContain(FINALIZER);
  });

  it('with prune: true deletes what it applied and its history, then lets the GitSync go', async () => {
    const ns = await appliedGitSync();
    expect(await historySecrets(ns)).not.toHaveLength(0);
    // Beside them: an object nobody manages, and one that was taken over by hand.
    await bed.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unmanaged', namespace: ns } } as KubeObject);
    await bed.client.mergePatch(configMapRef(ns, 'b'), { metadata: { labels: { 'ferry.dev/sync': 'someone-else' } } });
    await bed.client.delete(gitSyncRef(ns));
    await eventually(async () => (await bed.client.getOrNull(gitSyncRef(ns))) === null);
    expect(await bed.client.getOrNull(configMapRef(ns, 'a'))).toBeNull();
    expect(await bed.client.getOrNull(configMapRef(ns, 'b'))).not.toBeNull();
    expect(await bed.client.getOrNull(configMapRef(ns, 'unmanaged'))).not.toBeNull();
    expect(await historySecrets(ns)).toEqual([]);
    const events = await bed.client.list('v1', 'Event', { namespace: ns });
    expect(events.find((e) => e.reason === 'Pruned')?.message).toMatch(/^pruned 1 object .*removed 1 history entr/);
  });

  it('prunes what the status inventory lists even when the history is lost', async () => {
    const ns = await appliedGitSync();
    for (const secret of await historySecrets(ns)) await bed.client.delete({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: secret.metadata.name });
    await bed.client.delete(gitSyncRef(ns));
    await eventually(async () => (await bed.client.getOrNull(gitSyncRef(ns))) === null);
    expect(await bed.client.getOrNull(configMapRef(ns, 'a'))).toBeNull();
    expect(await bed.client.getOrNull(configMapRef(ns, 'b'))).toBeNull();
  });

  it('with prune: false only removes the finalizer: the objects stay', async () => {
    const ns = await appliedGitSync({ prune: false });
    await bed.client.delete(gitSyncRef(ns));
    await eventually(async () => (await bed.client.getOrNull(gitSyncRef(ns))) === null);
    expect(await bed.client.getOrNull(configMapRef(ns, 'a'))).not.toBeNull();
    expect(await bed.client.getOrNull(configMapRef(ns, 'b'))).not.toBeNull();
  });

  it.skipIf(simOnly.skip)('keeps a GitSync whose objects cannot be pruned, says why, and lets it go once they can', async () => {
    const ns = await appliedGitSync();
    const sim = bed.cluster.sim!;
    sim.injectFault({ method: 'DELETE', path: `/api/v1/namespaces/${ns}/configmaps/a`, status: 500, count: 1_000 });
    try {
      await bed.client.delete(gitSyncRef(ns));
      await eventually(async () => conditionOf(await bed.client.getOrNull(gitSyncRef(ns)), 'Ready')?.reason === 'PruneFailed');
      const gitsync = await bed.client.get(gitSyncRef(ns));
      expect(conditionOf(gitsync, 'Ready')?.message).toContain(`ConfigMap/${ns}/a`);
      expect(gitsync.metadata.finalizers).toContain(FINALIZER);
    } finally {
      sim.clearFaults();
    }
    await eventually(async () => (await bed.client.getOrNull(gitSyncRef(ns))) === null, 30_000);
    expect(await bed.client.getOrNull(configMapRef(ns, 'a'))).toBeNull();
  });

  // Last: it uninstalls the agent.
  it('lets a finalizer left behind by an uninstalled agent be removed by hand, as docs/agent.md says', async () => {
    await agent.shutdown(1000);
    const ns = await bed.cluster.newNamespace('orphan');
    await bed.client.create({ ...gitSync(ns, 'left', 'https://git.example.com/none.git'), metadata: { name: 'left', namespace: ns, finalizers: [FINALIZER] } } as KubeObject);
    await bed.client.delete(gitSyncRef(ns, 'left'));
    expect((await bed.client.get(gitSyncRef(ns, 'left'))).metadata.deletionTimestamp).toBeDefined();
    await promisify(execFile)('kubectl', ['--kubeconfig', bed.cluster.kubeconfigPath, '-n', ns, 'patch', 'gitsync', 'left', '--type', 'json', '-p', `[{"op":"remove","path":"/metadata/finalizers"}]`]);
    await eventually(async () => (await bed.client.getOrNull(gitSyncRef(ns, 'left'))) === null);
  });
});
