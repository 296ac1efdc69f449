import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAgent } from '../../src/agent/index.js';
import type { KubeClient } from '../../src/kube/index.js';
import { eventually, simOnly } from '../support/cluster.js';
import type { TestRepo } from '../support/git-server.js';
import { configMap, gitSync, startBed, type Bed } from './harness.js';

let bed: Bed;
let agent: RunningAgent & { client: KubeClient };
beforeAll(async () => {
  bed = await startBed();
  // One sync at a time: polls that overlap would share a fetch in flight anyway.
  agent = await bed.startAgent({ concurrency: 1 });
});
afterAll(async () => bed?.stop());

const status = async (ns: string, name: string) =>
  ((await bed.client.getOrNull({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name }))?.status ?? {}) as Record<string, any>;
const refsRoundTrips = () => bed.git.requests.filter((r) => r.method === 'GET' && r.service === 'git-upload-pack').length;
/** Reconciles the agent finished so far (ferry_sync_total), for the GitSyncs of one namespace. */
const reconciles = async (ns: string) => {
  const text = await (await fetch(`http://127.0.0.1:${agent.server.port}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('ferry_sync_total{') && line.includes(`namespace="${ns}"`))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
};

/** Three GitSyncs on one repository and branch, each on a path of its own. */
async function threeOnOneRepo(interval: string): Promise<{ ns: string; repo: TestRepo; names: string[]; sha: string }> {
  const ns = await bed.cluster.newNamespace('shared');
  const repo = await bed.git.createRepo(ns);
  const names = ['a', 'b', 'c'];
  const sha = await repo.commitAndPush(Object.fromEntries(names.map((n) => [`apps/${n}/cfg.yaml`, configMap(`cfg-${n}`, 'one')])));
  for (const name of names) await bed.client.create(gitSync(ns, name, repo.url, { source: { url: repo.url, interval, path: `apps/${name}` } }));
  await eventually(async () => (await Promise.all(names.map((n) => status(ns, n)))).every((s) => s.lastAppliedRevision === sha));
  return { ns, repo, names, sha };
}

describe('many GitSyncs on one agent', () => {
  it('GitSyncs on one repository and ref share one refs round trip per poll instead of one each', async () => {
    const { ns } = await threeOnOneRepo('1s');
    bed.git.resetRequests();
    const before = await reconciles(ns);
    await eventually(async () => (await reconciles(ns)) - before >= 12, 30_000);
    const polls = (await reconciles(ns)) - before;
    // Each GitSync polls once a second; one answer a second serves all three (one each before).
    expect(refsRoundTrips()).toBeLessThanOrEqual(Math.ceil(polls / 2));
  });

  it('when one GitSync sees its repository move, the others on that repository and ref follow at once', async () => {
    const { ns, repo, names } = await threeOnOneRepo('1h');
    const moved = await repo.commitAndPush(Object.fromEntries(names.map((n) => [`apps/${n}/cfg.yaml`, configMap(`cfg-${n}`, 'two')])));
    // A push webhook for one of them (the others would otherwise wait an hour).
    expect(agent.agent.trigger(ns, 'a')).toBe(true);
    await eventually(async () => (await Promise.all(names.map((n) => status(ns, n)))).every((s) => s.lastAppliedRevision === moved));
  });

  it.skipIf(simOnly.skip)('an unchanged poll reads what the GitSync applied and its history from the agent\'s watches: no LIST or GET of ConfigMaps, Secrets or the GitSync', async () => {
    const ns = await bed.cluster.newNamespace('cached');
    const repo = await bed.git.createRepo(ns);
    const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  token: not-shown\n`;
    const sha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one'), 'deploy/creds.yaml': secret });
    await bed.client.create(gitSync(ns, 'app', repo.url, { source: { url: repo.url, interval: '500ms', path: 'deploy' } }));
    await eventually(async () => (await status(ns, 'app')).lastAppliedRevision === sha);
    const sim = bed.cluster.sim!;
    // The agent watches the kinds the GitSync's inventory holds, and every history Secret's metadata.
    await eventually(() => ['configmaps', 'secrets'].every((resource) => sim.requests.some((r) => r.verb === 'watch' && r.resource === resource)));
    const historyWatch = sim.requests.find((r) => r.verb === 'watch' && r.resource === 'secrets' && r.query.labelSelector === 'ferry.dev/history');
    expect(historyWatch?.accept ?? '').toContain('as=PartialObjectMetadata;g=meta.k8s.io;v=v1');
    await eventually(async () => (await status(ns, 'app')).lastSyncResult === 'Unchanged');
    sim.resetRequests();
    const before = await reconciles(ns);
    await eventually(async () => (await reconciles(ns)) - before >= 3);
    const inNamespace = sim.requests.filter((r) => r.path.includes(`/namespaces/${ns}/`) && (r.verb === 'list' || r.verb === 'get'));
    expect(inNamespace.filter((r) => r.resource === 'configmaps')).toEqual([]);
    // History Secrets included: their summaries and the newest entry come from the history watch.
    expect(inNamespace.filter((r) => r.resource === 'secrets')).toEqual([]);
    // Nor the GitSync itself: a poll acts on it as the GitSync watch holds it.
    expect(inNamespace.filter((r) => r.resource === 'gitsyncs' && r.verb === 'get')).toEqual([]);
    // A hand edit is still found (the watch saw it) and put back.
    sim.mutateObject('v1', 'ConfigMap', 'cfg', ns, (cm) => {
      cm.data.value = 'by-hand';
    });
    await eventually(async () => ((await bed.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' })).data as Record<string, string>).value === 'one');
  });
});
