import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryStore } from '../../src/history/index.js';
import { KubeClient } from '../../src/kube/index.js';
import { GitSource } from '../../src/source/index.js';
import { startUiServer, type RunningUi } from '../../src/ui/index.js';
import { startBed, configMap, conditionOf, gitSync, type Bed } from '../agent/harness.js';
import { eventually, simOnly } from '../support/cluster.js';
import { role, roleBinding, rule, user } from '../support/rbac-objects.js';
import { exchange, postAction, readEvents } from './support.js';

/** Values that must never reach the browser: in Git, and written by hand into the live Secret. */
const PLANTED = 'planted-s3cr3t-9f2c71';
const PLANTED_BY_HAND = 'by-hand-s3cr3t-4d81e0';
const PLANTED_BY_HAND_B64 = Buffer.from(PLANTED_BY_HAND).toString('base64');
const PLANTED_B64 = Buffer.from(PLANTED).toString('base64');

const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: ${PLANTED}\n`;

describe.skipIf(simOnly.skip)('ferry ui server', { timeout: 240_000 }, () => {
  let bed: Bed;
  const statusOf = async (namespace: string) => ((await bed.client.get({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace, name: 'shop' })).status ?? {}) as Record<string, unknown>;
  let ui: RunningUi;
  let ns: string;
  let firstSha: string;
  let secondSha: string;
  const everything: string[] = [];

  beforeAll(async () => {
    bed = await startBed();
    await bed.startAgent();
    ns = await bed.cluster.newNamespace('ui');
    const repo = await bed.git.createRepo(ns);
    firstSha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'v1'), 'deploy/secret.yaml': secret });
    await bed.client.create(gitSync(ns, 'shop', repo.url, { selfHeal: false, source: { url: repo.url, interval: '1h', path: 'deploy' } }));
    await eventually(async () => (await statusOf(ns)).lastAppliedRevision === firstSha, 90_000);
    secondSha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'v2'), 'deploy/secret.yaml': secret });
    await bed.client.mergePatch({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'shop' }, { metadata: { annotations: { 'ferry.dev/requested-at': new Date().toISOString() } } });
    await eventually(async () => (await statusOf(ns)).lastAppliedRevision === secondSha, 90_000);
    const client = KubeClient.fromConfig({ kubeconfig: bed.cluster.kubeconfigPath });
    ui = await startUiServer({ client, namespace: ns, port: 0, git: new GitSource({ cacheDir: `${bed.cacheRoot}/ui` }) });
    // Two syncs by a real agent: generous on a loaded machine (no timing is asserted).
  }, 240_000);

  afterAll(async () => {
    await ui?.close();
    await bed?.stop();
  });

  it('lists the GitSyncs of its namespace in the first frame, and a new one as soon as it exists', async () => {
    const events = readEvents(`${ui.url}api/overview/events`);
    const snapshot = await events.next((f) => f.event === 'snapshot');
    expect(snapshot.data.namespace).toBe(ns);
    expect(snapshot.data.rows).toHaveLength(1);
    expect(snapshot.data.rows[0]).toMatchObject({ id: `${ns}/shop`, state: 'Ready', objects: 2, commit: secondSha.slice(0, 7) });
    await bed.client.create(gitSync(ns, 'later', 'http://127.0.0.1:1/none.git', { suspend: true }));
    const added = await events.next((f) => f.event === 'rows' && f.data.upsert.some((row: { id: string }) => row.id === `${ns}/later`));
    expect(added.data.upsert.find((row: { id: string }) => row.id === `${ns}/later`)).toMatchObject({ state: 'Suspended', suspended: true });
    await bed.client.delete({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'later' });
    await events.next((f) => f.event === 'rows' && f.data.remove.includes(`${ns}/later`));
    everything.push(events.raw());
    events.close();
  });

  it('streams a GitSync page whose drift shows the changed field, while Secret values stay masked', async () => {
    const events = readEvents(`${ui.url}api/gitsyncs/${ns}/shop/events`);
    const first = await events.next((f) => f.event === 'page');
    const page = first.data.page;
    expect(page.groups.map((g: { kind: string }) => g.kind)).toEqual(['ConfigMap', 'Secret']);
    expect(page.conditions.find((c: { type: string }) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    expect(page.history.map((h: { number: number; current: boolean }) => [h.number, h.current])).toEqual([[2, true], [1, false]]);
    expect(page.events.length).toBeGreaterThan(0);

    await bed.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' }, { data: { value: 'by-hand' } });
    await bed.client.mergePatch({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'creds' }, { data: { password: PLANTED_BY_HAND_B64 } });
    const drifted = await events.next((f) => f.event === 'page' && f.data.page?.drift.length === 2 && f.data.page.drift.every((d: { diff?: string }) => d.diff));
    const cfg = drifted.data.page.drift.find((d: { ref: string }) => d.ref === `ConfigMap/${ns}/cfg`);
    expect(cfg.paths).toEqual(['/data/value']);
    expect(cfg.diff).toContain('-  value: by-hand');
    expect(cfg.diff).toContain('+  value: v2');
    const creds = drifted.data.page.drift.find((d: { ref: string }) => d.ref === `Secret/${ns}/creds`);
    expect(creds.diff).toContain('***');
    everything.push(events.raw());
    events.close();
  });

  it('lists the objects of a GitSync whose status only counts them (over 500 objects): from the history entry its summary points to', async () => {
    const name = 'big';
    const sha = 'c'.repeat(40);
    // Suspended: the agent leaves it as this spec writes it.
    await bed.client.create(gitSync(ns, name, 'https://git.example/big.git', { suspend: true, source: { url: 'https://git.example/big.git', interval: '1h' } }));
    const objects = ['big-a', 'big-b', 'big-c'].map((cm) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: cm, namespace: ns }, data: { value: '1' } }));
    await new HistoryStore(bed.client, ns, name).record(
      { revision: sha, action: 'sync', result: 'Succeeded', time: new Date().toISOString(), durationMs: 1, message: 'applied', objects, inventory: objects.map((o) => `ConfigMap/${ns}/${o.metadata.name}@v1`) },
      10,
    );
    const inventorySummary = { count: 3, kinds: [{ apiVersion: 'v1', kind: 'ConfigMap', count: 3 }], revision: sha };
    await bed.client.mergePatch({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name }, { status: { lastAppliedRevision: sha, inventorySummary } }, { subresource: 'status' });
    // The overview counts them (it said 0 before).
    const overview = readEvents(`${ui.url}api/overview/events`);
    const rows = (f: { data: { rows?: unknown[]; upsert?: unknown[] } }) => (f.data.rows ?? f.data.upsert ?? []) as Array<{ name: string; objects: number }>;
    const counted = await overview.next((f) => (f.event === 'snapshot' || f.event === 'rows') && rows(f).some((r) => r.name === name && r.objects > 0));
    expect(rows(counted).find((r) => r.name === name)?.objects).toBe(3);
    overview.close();
    const events = readEvents(`${ui.url}api/gitsyncs/${ns}/${name}/events`);
    const frame = await events.next((f) => f.event === 'page' && (f.data.page?.groups.length ?? 0) > 0);
    expect(frame.data.page.groups.map((g: { kind: string; objects: Array<{ name: string }> }) => [g.kind, g.objects.map((o) => o.name)])).toEqual([['ConfigMap', ['big-a', 'big-b', 'big-c']]]);
    events.close();
    await bed.client.delete({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name });
  });

  it('sends no Secret value in any response or frame', async () => {
    for (const path of ['', 'gitsyncs/x/y', 'assets/app.js', 'assets/app.css']) everything.push((await exchange(`${ui.url}${path}`)).body);
    const overview = readEvents(`${ui.url}api/overview/events`);
    await overview.next((f) => f.event === 'snapshot');
    everything.push(overview.raw());
    overview.close();
    const text = everything.join('\n');
    expect(text.length).toBeGreaterThan(1000);
    for (const value of [PLANTED, PLANTED_B64, PLANTED_BY_HAND, PLANTED_BY_HAND_B64]) expect(text).not.toContain(value);
  });

  it('asks the agent for a sync as ferry sync does, and pins an entry as ferry rollback --to does', async () => {
    const synced = await postAction(ui.url, `/api/gitsyncs/${ns}/shop/actions/sync`);
    expect(synced.status).toBe(200);
    expect(JSON.parse(synced.body)).toEqual({ ok: true, message: `sync of GitSync ${ns}/shop requested` });
    await eventually(async () => conditionOf(await bed.client.get({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'shop' }), 'Drifted')?.status === 'False', 90_000);

    const rolled = await postAction(ui.url, `/api/gitsyncs/${ns}/shop/actions/rollback`, { entry: 1 });
    expect(JSON.parse(rolled.body)).toMatchObject({ ok: true, message: expect.stringContaining('rolling back to entry 1') });
    await eventually(async () => String((await statusOf(ns)).pinnedRevision ?? '').startsWith('entry 1'), 90_000);
    const released = await postAction(ui.url, `/api/gitsyncs/${ns}/shop/actions/release`);
    expect(JSON.parse(released.body)).toMatchObject({ ok: true });
    await eventually(async () => (await statusOf(ns)).pinnedRevision === undefined, 90_000);
  });

  it('tells a user without patch on GitSyncs "you may not …", and changes nothing', async () => {
    const viewer = bed.cluster.sim!.addUser({ name: `viewer-${ns}` });
    await bed.client.create(role(ns, 'gitsync-viewer', [rule(['get', 'list', 'watch'], 'ferry.dev', ['gitsyncs']), rule(['get', 'list', 'watch'], '', ['configmaps', 'events', 'pods']), rule(['list'], '', ['secrets'])]));
    await bed.client.create(roleBinding(ns, 'gitsync-viewer', { role: 'gitsync-viewer' }, [user(viewer.user)]));
    const client = KubeClient.fromConfig({ kubeconfig: viewer.kubeconfigPath });
    const readOnly = await startUiServer({ client, namespace: ns, port: 0, git: new GitSource({ cacheDir: `${bed.cacheRoot}/viewer` }) });
    try {
      const before = await bed.client.get({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'shop' });
      const refused = await postAction(readOnly.url, `/api/gitsyncs/${ns}/shop/actions/suspend`);
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body).message).toMatch(new RegExp(`^you may not suspend GitSync ${ns}/shop: `));
      const after = await bed.client.get({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'shop' });
      // The agent keeps writing status; what a suspend would change is the spec.
      expect(after.spec).toEqual(before.spec);
      expect(after.metadata.annotations).toEqual(before.metadata.annotations);
      // What RBAC lets the viewer read still shows.
      const events = readEvents(`${readOnly.url}api/overview/events`);
      expect((await events.next((f) => f.event === 'snapshot')).data.rows.map((r: { id: string }) => r.id)).toEqual([`${ns}/shop`]);
      events.close();
    } finally {
      await readOnly.close();
    }
  });

  it('answers only to its own address, and takes actions only from its own page', async () => {
    const origin = ui.url.replace(/\/$/, '');
    expect((await exchange(ui.url, { headers: { Host: 'attacker.example:8090' } })).status).toBe(421);
    const crossSite = await exchange(`${origin}/api/gitsyncs/${ns}/shop/actions/suspend`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: 'http://attacker.example' }, body: '{}' });
    expect(crossSite.status).toBe(403);
    const form = await exchange(`${origin}/api/gitsyncs/${ns}/shop/actions/suspend`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin }, body: 'a=b' });
    expect(form.status).toBe(415);
    expect((await bed.client.get({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'shop' })).spec).not.toHaveProperty('suspend', true);
    const page = await exchange(ui.url);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });
});
