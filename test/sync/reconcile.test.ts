import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/index.js';
import type { KubeObject } from '../../src/objects.js';
import { formatRef } from '../../src/objects.js';
import { HistoryStore } from '../../src/history/index.js';
import { reconcile, type SyncSettings, type SyncOutcome } from '../../src/sync/index.js';
import { simOnly, startTestCluster, type TestCluster } from '../support/cluster.js';
import { configMap, deployment, removeRevisions, revision, settings } from './harness.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 30, crdEstablishDelayMs: 60, progressDeadlineMs: 400 });
});
afterAll(async () => {
  await cluster.stop();
  removeRevisions();
});

const run = (s: SyncSettings, options: Parameters<typeof reconcile>[2] = {}) => reconcile(s, { client: cluster.client }, { pollIntervalMs: 50, ...options });
const actions = (outcome: SyncOutcome) => Object.fromEntries(outcome.changes.map((c) => [formatRef(c.ref), c.action]));

describe('reconcile: one whole sync', () => {
  it('applies a new revision in order, waits for health and records history', async () => {
    const ns = await cluster.newNamespace('sync');
    const outcome = await run(settings(ns, revision({ 'web.yaml': deployment('web', 'nginx:1.25'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) })));
    expect(outcome).toMatchObject({ result: 'Synced', reason: 'Synced', health: { status: 'Healthy' } });
    expect(actions(outcome)).toEqual({ [`ConfigMap/${ns}/web-config`]: 'created', [`Deployment/${ns}/web`]: 'created' });
    expect(outcome.changes.find((c) => c.ref.kind === 'ConfigMap')?.layer).toBeLessThan(outcome.changes.find((c) => c.ref.kind === 'Deployment')?.layer as number);
    const live = await cluster.client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
    expect(live.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'ferry', 'ferry.dev/sync': `${ns}.app` });
    // Each write says which resourceVersion it produced (the agent tells its own writes apart by it).
    const created = await cluster.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'web-config' });
    expect(outcome.changes.find((c) => c.ref.kind === 'ConfigMap')?.resourceVersion).toBe(created.metadata.resourceVersion);
    const history = await new HistoryStore(cluster.client, ns, 'app').list();
    expect(history).toMatchObject([{ number: 1, action: 'sync', result: 'Succeeded', revision: outcome.revision }]);
  });

  it.skipIf(simOnly.skip)('re-applying an unchanged revision writes nothing and lists each kind once', async () => {
    const ns = await cluster.newNamespace('sync');
    const dir = revision({ 'web.yaml': deployment('web', 'nginx:1.25'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) });
    await run(settings(ns, dir));
    cluster.sim!.resetRequests();
    const outcome = await run(settings(ns, dir));
    expect(outcome).toMatchObject({ result: 'Unchanged', drift: [] });
    const writes = cluster.sim!.requests.filter((r) => ['create', 'patch', 'update', 'delete'].includes(r.verb) && r.resource !== 'secrets');
    expect(writes).toEqual([]);
    expect(cluster.sim!.countRequests({ verb: 'list', resource: 'deployments' })).toBe(1);
    expect(cluster.sim!.countRequests({ verb: 'list', resource: 'configmaps' })).toBe(1);
  });

  it.skipIf(simOnly.skip)('reads the cluster once per kind, not once per object, however many objects a revision holds', async () => {
    const ns = await cluster.newNamespace('sync');
    const files: Record<string, string> = {};
    for (let i = 0; i < 150; i++) files[`cm-${i}.yaml`] = configMap(`cm-${i}`, { index: String(i) });
    for (let i = 0; i < 50; i++) files[`svc-${i}.yaml`] = `apiVersion: v1\nkind: Service\nmetadata: {name: svc-${i}}\nspec:\n  ports: [{port: 80}]\n`;
    const dir = revision(files);
    cluster.sim!.resetRequests();
    await run(settings(ns, dir));
    // Each object: one server-side dry run, then one create; plus the history Secret.
    expect(cluster.sim!.countRequests({ verb: 'create', resource: 'configmaps' })).toBe(300);
    expect(cluster.sim!.countRequests({ verb: 'create', resource: 'services' })).toBe(100);
    expect(cluster.sim!.countRequests({ verb: 'get' })).toBeLessThanOrEqual(2);

    cluster.sim!.resetRequests();
    const outcome = await run(settings(ns, dir));
    expect(outcome.result).toBe('Unchanged');
    expect(cluster.sim!.requests.filter((r) => r.verb !== 'list' && r.verb !== 'discovery').length).toBeLessThanOrEqual(2);
    expect(cluster.sim!.countRequests({ verb: 'list', resource: 'configmaps' })).toBe(1);
    expect(cluster.sim!.countRequests({ verb: 'list', resource: 'services' })).toBe(1);
  });

  it('changes only what changed, prunes what left Git, and keeps what others added', async () => {
    const ns = await cluster.newNamespace('sync');
    await run(settings(ns, revision({ 'web.yaml': deployment('web', 'nginx:1.25'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }), 'old.yaml': configMap('old', { a: '1' }) })));
    await cluster.client.mergePatch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' }, { metadata: { annotations: { 'team.example.com/owner': 'payments' } } });
    const outcome = await run(settings(ns, revision({ 'web.yaml': deployment('web', 'nginx:1.27'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) })));
    expect(outcome.result).toBe('Synced');
    expect(actions(outcome)).toEqual({ [`ConfigMap/${ns}/web-config`]: 'unchanged', [`Deployment/${ns}/web`]: 'configured', [`ConfigMap/${ns}/old`]: 'deleted' });
    const live = await cluster.client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
    expect(live.metadata.annotations?.['team.example.com/owner']).toBe('payments');
    expect(await cluster.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'old' })).toBeNull();
  });

  it('rolls back to the last good revision when a revision does not become healthy', async () => {
    const ns = await cluster.newNamespace('sync');
    const good = await run(settings(ns, revision({ 'web.yaml': deployment('web', 'nginx:1.25'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) })));
    const bad = await run(settings(ns, revision({ 'web.yaml': deployment('web', 'nginx:broken'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }), 'extra.yaml': configMap('added-by-bad', { a: '1' }) })));
    expect(bad).toMatchObject({ result: 'RolledBack', reason: 'RolledBack', failedRevision: bad.revision, appliedRevision: good.revision, lastGoodRevision: good.revision });
    expect(bad.message).toMatch(/did not become healthy: Deployment\/.*\/web: Degraded: rollout exceeded its progress deadline/);
    const live = await cluster.client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
    expect((live.spec as any).template.spec.containers[0].image).toBe('nginx:1.25');
    expect(await cluster.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'added-by-bad' })).toBeNull();
    const history = await new HistoryStore(cluster.client, ns, 'app').list();
    expect(history.map((h) => [h.action, h.result])).toEqual([
      ['sync', 'Succeeded'],
      ['sync', 'Failed'],
      ['rollback', 'Succeeded'],
    ]);
    // The failed revision is not tried again until Git moves on.
    const again = await run(settings(ns, revision({ 'web.yaml': deployment('web', 'nginx:broken'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }), 'extra.yaml': configMap('added-by-bad', { a: '1' }) })));
    expect(again).toMatchObject({ result: 'Unchanged', reason: 'KnownFailedRevision' });
  });

  it('an explicit retry of a failed revision that was not rolled back waits for its health again', async () => {
    const ns = await cluster.newNamespace('sync');
    const bad = revision({ 'web.yaml': deployment('web', 'nginx:broken'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) });
    const failed = await run(settings(ns, bad, { rollback: false }));
    expect(failed).toMatchObject({ result: 'Failed', reason: 'HealthCheckFailed' });
    expect(await run(settings(ns, bad, { rollback: false }))).toMatchObject({ result: 'Unchanged', reason: 'KnownFailedRevision', failedRevision: failed.revision });
    const retried = await run(settings(ns, bad, { rollback: false }), { retryFailedRevision: true });
    expect(retried).toMatchObject({ result: 'Failed', reason: 'HealthCheckFailed', failedRevision: failed.revision });
  });

  it('fails clearly on a validation error and changes nothing', async () => {
    const ns = await cluster.newNamespace('sync');
    const bad = revision({ 'cfg.yaml': configMap('fine', { a: '1' }), 'svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 99999\n' });
    const outcome = await run(settings(ns, bad));
    expect(outcome).toMatchObject({ result: 'Failed', reason: 'ApplyFailed' });
    expect(outcome.message).toContain(`Service/${ns}/web (svc.yaml:1): invalid: spec.ports[0].port`);
    expect(await cluster.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'fine' })).toBeNull();
  });

  it('a revision refused before anything was written is neither rolled back nor recorded, and is tried again on the next poll', async () => {
    const ns = await cluster.newNamespace('sync');
    const good = await run(settings(ns, revision({ 'cfg.yaml': configMap('fine', { a: '1' }) })));
    expect(good.result).toBe('Synced');
    const bad = revision({ 'cfg.yaml': configMap('fine', { a: '2' }), 'svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 99999\n' });
    const refused = await run(settings(ns, bad));
    expect(refused).toMatchObject({ result: 'Failed', reason: 'ApplyFailed', appliedRevision: good.revision, lastGoodRevision: good.revision });
    expect(refused.rollback).toBeUndefined();
    expect(refused.message).toContain('nothing was written');
    expect((await new HistoryStore(cluster.client, ns, 'app').list()).map((h) => [h.action, h.result])).toEqual([['sync', 'Succeeded']]);
    expect((await cluster.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'fine' })).data).toEqual({ a: '1' });
    // Not held back as a known failed revision: the server is asked again.
    expect(await run(settings(ns, bad))).toMatchObject({ result: 'Failed', reason: 'ApplyFailed' });
  });

  it('logs with the GitSync on every line and the revision once it is known, never a Secret value', async () => {
    const ns = await cluster.newNamespace('sync');
    const out = new PassThrough();
    const lines: string[] = [];
    out.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    const logger = createLogger({ destination: out, level: 'debug' });
    const bad = revision({
      'creds.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: "log-planted-secret"\n',
      'svc.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 99999\n',
    });
    const outcome = await reconcile(settings(ns, bad), { client: cluster.client, logger }, { pollIntervalMs: 50 });
    expect(outcome.result).toBe('Failed');
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.length).toBeGreaterThan(0);
    for (const record of records) expect(record).toMatchObject({ gitsync: `${ns}/app`, revision: outcome.revision });
    expect(lines.join('\n')).not.toContain('log-planted-secret');
  });

  it('refuses objects owned by another sync, and unmanaged ones unless adopted', async () => {
    const ns = await cluster.newNamespace('sync');
    await cluster.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'theirs', namespace: ns, labels: { 'ferry.dev/sync': `${ns}.other` } } } as KubeObject);
    await cluster.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'handmade', namespace: ns } } as KubeObject);
    const outcome = await run(settings(ns, revision({ 'a.yaml': configMap('theirs', { a: '1' }) })));
    expect(outcome.message).toContain(`ConfigMap/${ns}/theirs (a.yaml:1): owned by GitSync ${ns}/other`);
    const adopted = await run(settings(ns, revision({ 'b.yaml': configMap('handmade', { a: '1' }).replace('  name: handmade', '  name: handmade\n  annotations: {ferry.dev/adopt: "true"}') })));
    expect(adopted.result).toBe('Synced');
  });

  it('refuses to prune everything when a revision renders nothing', async () => {
    const ns = await cluster.newNamespace('sync');
    await run(settings(ns, revision({ 'a.yaml': configMap('keep-me', { a: '1' }) })));
    const outcome = await run(settings(ns, revision({ 'README.md': '# moved' })));
    expect(outcome).toMatchObject({ result: 'Failed', reason: 'PruneFailed' });
    expect(outcome.message).toContain('refusing to prune all 1 objects');
    expect(await cluster.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'keep-me' })).not.toBeNull();
  });

  it('applies a CRD and its custom resources in one sync', async () => {
    const ns = await cluster.newNamespace('sync');
    const group = `${ns}.example.com`;
    const outcome = await run(
      settings(ns, revision({
        'crd.yaml': `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.${group}\nspec:\n  group: ${group}\n  scope: Namespaced\n  names: {kind: Widget, plural: widgets}\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}\n`,
        'widget.yaml': `apiVersion: ${group}/v1\nkind: Widget\nmetadata:\n  name: w1\nspec:\n  size: 3\n`,
      })),
    );
    expect(outcome.result).toBe('Synced');
    expect(actions(outcome)[`Widget/${ns}/w1`]).toBe('created');
  });

  it('detects drift without correcting it when self-heal is off, and corrects it when on', async () => {
    const ns = await cluster.newNamespace('sync');
    const dir = revision({ 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) });
    await run(settings(ns, dir));
    await cluster.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'web-config' }, { data: { MODE: 'debug' } });
    const detected = await run(settings(ns, dir, { selfHeal: false }));
    expect(detected).toMatchObject({ result: 'Drifted', reason: 'DriftDetected', drift: [{ change: 'changed', paths: ['/data/MODE'] }] });
    const healed = await run(settings(ns, dir));
    expect(healed).toMatchObject({ result: 'Synced', reason: 'DriftCorrected', driftCorrected: true });
    expect((await cluster.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'web-config' })).data).toEqual({ MODE: 'prod' });
  });

  it.skipIf(simOnly.skip)('survives 429 and 503 mid-apply and a concurrent writer without losing their update', async () => {
    const ns = await cluster.newNamespace('sync');
    const sim = cluster.sim!;
    sim.injectFault({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, status: 429, retryAfterSeconds: 0, count: 1 });
    sim.injectFault({ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps`, status: 503, count: 1 });
    const dir1 = revision({ 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) });
    expect((await run(settings(ns, dir1))).result).toBe('Synced');
    // Someone writes between ferry's read and its patch: the resourceVersion test fails, ferry re-reads.
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'web-config' };
    let injected = false;
    const outcome = await reconcile(settings(ns, revision({ 'cfg.yaml': configMap('web-config', { MODE: 'prod', LEVEL: 'info' }) })), { client: cluster.client }, {
      pollIntervalMs: 50,
      onEvent: (event) => {
        if (!injected && event.type === 'apply' && event.event.type === 'layer') {
          injected = true;
          sim.mutateObject('v1', 'ConfigMap', 'web-config', ns, (o) => {
            o.metadata.labels = { ...o.metadata.labels, 'added-by': 'someone-else' };
          });
        }
      },
    });
    expect(outcome.result).toBe('Synced');
    const live = await cluster.client.get(ref);
    expect(live.data).toEqual({ MODE: 'prod', LEVEL: 'info' });
    expect(live.metadata.labels?.['added-by']).toBe('someone-else');
  });
});
