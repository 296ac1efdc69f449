import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAgent } from '../../src/agent/index.js';
import type { KubeClient } from '../../src/kube/index.js';
import { eventually } from '../support/cluster.js';
import { conditionOf, configMap, deployment, gitSync, startBed, type Bed } from './harness.js';

let bed: Bed;
let agent: RunningAgent & { client: KubeClient };
beforeAll(async () => {
  bed = await startBed({ slowRollouts: true });
  // One sync at a time: a wait that held its place would hold every other GitSync back.
  agent = await bed.startAgent({ concurrency: 1 });
});
afterAll(async () => bed?.stop());

const gitsync = (ns: string, name: string) => bed.client.getOrNull({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name });
const statusOf = async (ns: string, name: string) => ((await gitsync(ns, name))?.status ?? {}) as Record<string, unknown>;

describe('the work queue of one agent', () => {
  it('a rollout that never becomes available does not hold back other GitSyncs, webhook-prompted ones included (--concurrency 1)', async () => {
    // A Deployment whose image never runs: its sync waits for health up to 10 minutes.
    const slowNs = await bed.cluster.newNamespace('slow');
    const slowRepo = await bed.git.createRepo(slowNs);
    await slowRepo.commitAndPush({ 'deploy/web.yaml': deployment('nginx:broken') });
    await bed.client.create(gitSync(slowNs, 'app', slowRepo.url, { source: { url: slowRepo.url, interval: '1h', path: 'deploy' }, health: { timeout: '10m' } }));
    await eventually(() => bed.client.getOrNull({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: slowNs, name: 'web' }), 60_000);

    // Another GitSync, created while that wait goes on, is synced.
    const quickNs = await bed.cluster.newNamespace('quick');
    const quickRepo = await bed.git.createRepo(quickNs);
    const first = await quickRepo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one') });
    await bed.client.create(gitSync(quickNs, 'app', quickRepo.url, { source: { url: quickRepo.url, interval: '1h', path: 'deploy' } }));
    await eventually(async () => (await statusOf(quickNs, 'app')).lastAppliedRevision === first, 60_000);
    expect(conditionOf(await gitsync(quickNs, 'app'), 'Ready')?.status).toBe('True');

    // A push to it (the webhook's trigger) is applied too, and the slow one is still waiting.
    const second = await quickRepo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'two') });
    expect(agent.agent.trigger(quickNs, 'app')).toBe(true);
    await eventually(async () => (await statusOf(quickNs, 'app')).lastAppliedRevision === second, 60_000);
    expect((await statusOf(slowNs, 'app')).lastSyncResult).toBeUndefined();
  });
});
