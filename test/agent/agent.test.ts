import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { runCli } from '../support/cli.js';
import { eventually, simOnly } from '../support/cluster.js';
import { conditionOf, configMap, deployment, gitSync, startBed, type Bed } from './harness.js';

let bed: Bed;
let agentPort: number;
beforeAll(async () => {
  bed = await startBed();
  agentPort = (await bed.startAgent()).server.port;
});
afterAll(async () => bed?.stop());

const getGitSync = (ns: string, name: string) => bed.client.getOrNull({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name });
const status = async (ns: string, name: string) => ((await getGitSync(ns, name))?.status ?? {}) as Record<string, any>;
const cli = (args: string[]) => runCli(['--kubeconfig', bed.cluster.kubeconfigPath, ...args]);
const image = async (ns: string) => ((await bed.client.getOrNull({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' }))?.spec as any)?.template.spec.containers[0].image;

describe('the agent, end to end', () => {
  it('applies a pushed commit, reports Ready and Healthy, and records an event', async () => {
    const ns = await bed.cluster.newNamespace('agent');
    const repo = await bed.git.createRepo(ns);
    const sha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one'), 'deploy/web.yaml': deployment('nginx:1.25') });
    await bed.client.create(gitSync(ns, 'shop', repo.url));
    await eventually(async () => (await status(ns, 'shop')).lastAppliedRevision === sha);
    const gs = await getGitSync(ns, 'shop');
    expect(conditionOf(gs, 'Ready')).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(conditionOf(gs, 'Healthy')).toMatchObject({ status: 'True' });
    expect((gs?.status as any).inventory).toEqual(expect.arrayContaining([`ConfigMap/${ns}/cfg@v1`, `Deployment/${ns}/web@apps/v1`]));
    const events = await bed.client.list('v1', 'Event', { namespace: ns });
    expect(events.map((e) => e.reason)).toContain('Synced');
    // A second commit is picked up by the next poll.
    const second = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'two') });
    await eventually(async () => (await status(ns, 'shop')).lastAppliedRevision === second);
    expect((await bed.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' })).data).toEqual({ value: 'two' });
    // ferry status and history read what the agent wrote.
    const shown = await cli(['status', '-n', ns]);
    expect(shown.stdout).toMatch(/^NAME\s+URL\s+REVISION\s+READY\s+HEALTH\s+DRIFT\s+AGE\nshop\s+http:\/\/127\.0\.0\.1:\d+\/.*main@[0-9a-f]{7}\s+True\s+Healthy\s+0\s+\d+s\n$/);
    const detail = await cli(['status', 'shop', '-n', ns]);
    expect(detail.stdout).toContain(`Deployment/${ns}/web`);
    expect(detail.stdout).toMatch(/Ready\s+True\s+Synced/);
    const history = await cli(['history', 'shop', '-n', ns, '-o', 'json']);
    expect(JSON.parse(history.stdout).items.map((h: any) => h.revision)).toEqual([sha, second]);
  });

  it('rolls back a revision that does not become healthy and says so in its conditions', async () => {
    const ns = await bed.cluster.newNamespace('agent');
    const repo = await bed.git.createRepo(ns);
    const good = await repo.commitAndPush({ 'deploy/web.yaml': deployment('nginx:1.25') });
    await bed.client.create(gitSync(ns, 'shop', repo.url));
    await eventually(async () => (await status(ns, 'shop')).lastAppliedRevision === good);
    const bad = await repo.commitAndPush({ 'deploy/web.yaml': deployment('nginx:broken') });
    await eventually(async () => conditionOf(await getGitSync(ns, 'shop'), 'Ready')?.reason === 'RolledBack', 20_000);
    const s = await status(ns, 'shop');
    expect(s).toMatchObject({ failedRevision: bad, lastAppliedRevision: good, lastGoodRevision: good });
    expect(await image(ns)).toBe('nginx:1.25');
    const events = await bed.client.list('v1', 'Event', { namespace: ns });
    expect(events.find((e) => e.reason === 'RolledBack')?.type).toBe('Warning');
  });

  it('handles ferry sync --wait, rollback --to, resume, suspend', async () => {
    const ns = await bed.cluster.newNamespace('agent');
    const repo = await bed.git.createRepo(ns);
    const first = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'v1') });
    await bed.client.create(gitSync(ns, 'shop', repo.url, { source: { url: repo.url, interval: '1h', path: 'deploy' } }));
    await eventually(async () => (await status(ns, 'shop')).lastAppliedRevision === first);
    const second = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'v2') });
    const synced = await cli(['sync', 'shop', '-n', ns, '--wait', '--timeout', '20s', '--interval', '50ms']);
    expect(synced).toMatchObject({ exitCode: 0 });
    expect(synced.stdout).toContain('gitsync.ferry.dev/shop Synced');
    expect((await status(ns, 'shop')).lastAppliedRevision).toBe(second);

    const rollback = await cli(['rollback', 'shop', '-n', ns, '--to', '1']);
    expect(rollback.stdout).toContain('rolling back to entry 1');
    await eventually(async () => (await status(ns, 'shop')).pinnedRevision?.startsWith('entry 1'));
    await eventually(async () => ((await bed.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' })).data as Record<string, string> | undefined)?.value === 'v1');

    expect((await cli(['resume', 'shop', '-n', ns])).exitCode).toBe(0);
    await eventually(async () => ((await bed.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' })).data as Record<string, string> | undefined)?.value === 'v2');
    // The status is written when that sync ends, a moment after its objects.
    await eventually(async () => (await status(ns, 'shop')).pinnedRevision === undefined);

    expect((await cli(['suspend', 'shop', '-n', ns])).stdout).toBe('gitsync.ferry.dev/shop suspended\n');
    const third = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'v3') });
    await cli(['sync', 'shop', '-n', ns]);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(((await bed.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' })).data as Record<string, string> | undefined)?.value).toBe('v2');
    await cli(['resume', 'shop', '-n', ns]);
    await cli(['sync', 'shop', '-n', ns]);
    await eventually(async () => (await status(ns, 'shop')).lastAppliedRevision === third);
  });

  it('reports drift with self-heal off, and corrects it with self-heal on', async () => {
    const ns = await bed.cluster.newNamespace('agent');
    const repo = await bed.git.createRepo(ns);
    const sha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'git') });
    await bed.client.create(gitSync(ns, 'watch', repo.url, { selfHeal: false }));
    await eventually(async () => (await status(ns, 'watch')).lastAppliedRevision === sha);
    await bed.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' }, { data: { value: 'by-hand' } });
    await eventually(async () => conditionOf(await getGitSync(ns, 'watch'), 'Drifted')?.status === 'True');
    expect((await status(ns, 'watch')).drift).toEqual({ count: 1, objects: [{ ref: `ConfigMap/${ns}/cfg`, change: 'changed', paths: ['/data/value'] }] });
    expect(((await bed.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' })).data as Record<string, string> | undefined)?.value).toBe('by-hand');
    await bed.client.mergePatch({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'watch' }, { spec: { selfHeal: true } });
    await eventually(async () => ((await bed.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' })).data as Record<string, string> | undefined)?.value === 'git');
    await eventually(async () => conditionOf(await getGitSync(ns, 'watch'), 'Drifted')?.status === 'False');
  });

  it('corrects drift that self-heal off only reported when someone asks for a sync (ferry sync, the UI\'s Sync now)', async () => {
    const ns = await bed.cluster.newNamespace('agent');
    const repo = await bed.git.createRepo(ns);
    const sha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'git') });
    await bed.client.create(gitSync(ns, 'asked', repo.url, { selfHeal: false }));
    await eventually(async () => (await status(ns, 'asked')).lastAppliedRevision === sha);
    await bed.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' }, { data: { value: 'by-hand' } });
    await eventually(async () => conditionOf(await getGitSync(ns, 'asked'), 'Drifted')?.status === 'True');
    await cli(['sync', 'asked', '-n', ns, '--wait', '--interval', '100ms']);
    expect(((await bed.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' })).data as Record<string, string> | undefined)?.value).toBe('git');
    // The sync that corrected it says so in an Event; the condition keeps saying the cluster
    // matches Git, as DriftCorrected or, once the next poll has looked again, as NoDrift.
    expect(conditionOf(await getGitSync(ns, 'asked'), 'Drifted')?.status).toBe('False');
    const events = await bed.client.list('v1', 'Event', { namespace: ns });
    expect(events.map((e) => e.reason)).toContain('DriftCorrected');
    // Left alone again, a new hand edit is only reported, as self-heal off says.
    await bed.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' }, { data: { value: 'by-hand-again' } });
    await eventually(async () => conditionOf(await getGitSync(ns, 'asked'), 'Drifted')?.status === 'True');
    expect(((await bed.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' })).data as Record<string, string> | undefined)?.value).toBe('by-hand-again');
  });

  it('accepts push webhooks with valid signatures only', async () => {
    const ns = await bed.cluster.newNamespace('agent');
    const repo = await bed.git.createRepo(ns);
    await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one') });
    await bed.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hook', namespace: ns }, stringData: { token: 'hook-token-123' } } as KubeObject);
    await bed.client.create(gitSync(ns, 'shop', repo.url, { source: { url: repo.url, interval: '1h', path: 'deploy' } }, { 'ferry.dev/webhook-secret': 'hook' }));
    await eventually(async () => (await status(ns, 'shop')).lastAppliedRevision);
    const second = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'two') });
    const port = agentPort;
    const body = JSON.stringify({ ref: 'refs/heads/main' });
    const post = (headers: Record<string, string>) => fetch(`http://127.0.0.1:${port}/hooks/${ns}/shop`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
    expect((await post({ 'X-Hub-Signature-256': 'sha256=deadbeef' })).status).toBe(401);
    expect((await post({ 'X-Gitlab-Token': 'wrong' })).status).toBe(401);
    expect((await post({})).status).toBe(401);
    // An unknown GitSync is refused like a bad signature: answers do not tell which GitSyncs exist.
    expect((await fetch(`http://127.0.0.1:${port}/hooks/${ns}/missing`, { method: 'POST', body })).status).toBe(401);
    expect((await status(ns, 'shop')).lastAppliedRevision).not.toBe(second);
    const signature = `sha256=${createHmac('sha256', 'hook-token-123').update(body).digest('hex')}`;
    expect((await post({ 'X-Hub-Signature-256': signature })).status).toBe(202);
    await eventually(async () => (await status(ns, 'shop')).lastAppliedRevision === second);
    expect((await post({ 'X-Gitlab-Token': 'hook-token-123' })).status).toBe(202);
    expect((await post({ 'X-Gitea-Signature': createHmac('sha256', 'hook-token-123').update(body).digest('hex') })).status).toBe(202);
  });

  it('serves health, readiness and Prometheus metrics', async () => {
    const port = agentPort;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    for (const name of ['ferry_sync_duration_seconds', 'ferry_sync_total', 'ferry_drifted_objects', 'ferry_last_successful_sync_timestamp_seconds', 'ferry_git_fetch_duration_seconds', 'ferry_kube_requests_total']) {
      expect(metrics).toContain(name);
    }
    // The standard process metrics, so memory and event-loop lag can be watched too.
    expect(metrics).toContain('process_resident_memory_bytes');
    expect(metrics).toContain('nodejs_eventloop_lag_seconds');
  });

  it('exports the series of a GitSync only while it exists: a deleted one leaves /metrics', async () => {
    const ns = await bed.cluster.newNamespace('agent');
    const repo = await bed.git.createRepo(ns);
    const sha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one') });
    await bed.client.create(gitSync(ns, 'shop', repo.url));
    await eventually(async () => (await status(ns, 'shop')).lastAppliedRevision === sha);
    const scrape = async () => (await (await fetch(`http://127.0.0.1:${agentPort}/metrics`)).text()).split('\n').filter((line) => line.includes(`namespace="${ns}"`));
    const names = (lines: string[]) => [...new Set(lines.map((line) => line.slice(0, line.indexOf('{'))))].sort();
    expect(names(await scrape())).toEqual(['ferry_drifted_objects', 'ferry_git_fetch_duration_seconds_bucket', 'ferry_git_fetch_duration_seconds_count', 'ferry_git_fetch_duration_seconds_sum', 'ferry_last_successful_sync_timestamp_seconds', 'ferry_sync_duration_seconds_bucket', 'ferry_sync_duration_seconds_count', 'ferry_sync_duration_seconds_sum', 'ferry_sync_total']);
    await bed.client.delete({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'shop' });
    await eventually(async () => (await getGitSync(ns, 'shop')) === null);
    // A stale gauge would keep alerting on drift of a GitSync that is gone.
    await eventually(async () => (await scrape()).length === 0);
  });

  it('reports an unreachable Git server as SourceUnavailable and prunes nothing', async () => {
    const ns = await bed.cluster.newNamespace('agent');
    const repo = await bed.git.createRepo(ns);
    const sha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one') });
    await bed.client.create(gitSync(ns, 'shop', repo.url));
    await eventually(async () => (await status(ns, 'shop')).lastAppliedRevision === sha);
    await bed.git.pause();
    try {
      await eventually(async () => conditionOf(await getGitSync(ns, 'shop'), 'Ready')?.reason === 'SourceUnavailable');
      expect(conditionOf(await getGitSync(ns, 'shop'), 'Ready')?.message).toContain('unreachable');
      expect(await bed.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' })).not.toBeNull();
    } finally {
      await bed.git.resume();
    }
    await eventually(async () => conditionOf(await getGitSync(ns, 'shop'), 'Ready')?.status === 'True');
  });

  it.skipIf(simOnly.skip)('keeps running while the API server fails for a while, then recovers', async () => {
    const ns = await bed.cluster.newNamespace('agent');
    const repo = await bed.git.createRepo(ns);
    bed.cluster.sim!.injectFault({ method: 'GET', path: '/apis/ferry.dev/v1alpha1/gitsyncs', status: 503, count: 30 });
    const sha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one') });
    await bed.client.create(gitSync(ns, 'shop', repo.url));
    await eventually(async () => (await status(ns, 'shop')).lastAppliedRevision === sha, 30_000);
  });
});
