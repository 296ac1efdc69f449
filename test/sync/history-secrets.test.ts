/**
 * History without Secret values: the entries a sync writes keep Secrets as digests, a rollback
 * takes their values from Git again, and entries an older ferry wrote with values are rewritten.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryStore, HISTORY_LABEL } from '../../src/history/index.js';
import { objectKey, refOf, type KubeObject } from '../../src/objects.js';
import { GitSource } from '../../src/source/index.js';
import { reconcile, type SyncOptions, type SyncSettings } from '../../src/sync/index.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { startGitServer, type GitServer, type TestRepo } from '../support/git-server.js';
import { configMap, deployment, removeRevisions, revision, settings } from './harness.js';

let cluster: TestCluster;
let server: GitServer;
let cacheDir: string;
let git: GitSource;
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 30, progressDeadlineMs: 400 });
  server = await startGitServer();
  cacheDir = mkdtempSync(join(tmpdir(), 'ferry-history-secrets-'));
  git = new GitSource({ cacheDir });
});
afterAll(async () => {
  await cluster.stop();
  await server.stop();
  rmSync(cacheDir, { recursive: true, force: true });
  removeRevisions();
});

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
/** A value no manifest, name or digest could hold by chance. */
const planted = (what: string) => `${what}-${randomBytes(12).toString('hex')}`;

/** A Secret in the shape repositories hold: one value as stringData, one as base64 data. */
const secret = (name: string, values: { password: string; token: string }) => `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
type: Opaque
stringData:
  password: ${values.password}
data:
  token: ${b64(values.token)}
`;

const run = (s: SyncSettings, options: SyncOptions = {}) => reconcile(s, { client: cluster.client, git }, { pollIntervalMs: 50, ...options });
const gitSettings = (ns: string, repo: TestRepo) => settings(ns, '', { source: { type: 'git', url: repo.url, path: '.' } });

/** Every history Secret of the namespace as the server holds it, and its payload unzipped. */
async function historySecretTexts(ns: string): Promise<string[]> {
  const secrets = await cluster.client.list('v1', 'Secret', { namespace: ns, labelSelector: HISTORY_LABEL });
  expect(secrets.length).toBeGreaterThan(0);
  return secrets.flatMap((object) => {
    const payload = (object.data as Record<string, string>).payload ?? '';
    return [JSON.stringify(object), gunzipSync(Buffer.from(payload, 'base64')).toString('utf8')];
  });
}

async function expectNoHistoryHolds(ns: string, values: string[]): Promise<void> {
  for (const text of await historySecretTexts(ns)) {
    for (const value of values) {
      expect(text).not.toContain(value);
      expect(text).not.toContain(b64(value));
    }
  }
}

async function liveSecret(ns: string, name: string): Promise<Record<string, string>> {
  const object = await cluster.client.get({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name });
  return Object.fromEntries(Object.entries(object.data as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

const sealedSecret = (objects: KubeObject[], name: string) => objects.find((o) => o.kind === 'Secret' && o.metadata.name === name) as KubeObject & { data: Record<string, string> };

describe('the history of a sync that deploys Secrets', () => {
  it('holds no Secret value in any history Secret (payload, labels, annotations), through changes, a failure and its rollback', async () => {
    const ns = await cluster.newNamespace('hsecrets');
    const repo = await server.createRepo(`${ns}-repo`);
    const first = { password: planted('password'), token: planted('token') };
    const second = { password: planted('password'), token: first.token };
    await repo.commitAndPush({ 'db.yaml': secret('db', first), 'web.yaml': deployment('web', 'nginx:1.25'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) });
    expect((await run(gitSettings(ns, repo))).result).toBe('Synced');
    await repo.commitAndPush({ 'db.yaml': secret('db', second) });
    expect((await run(gitSettings(ns, repo))).result).toBe('Synced');
    await repo.commitAndPush({ 'db.yaml': secret('db', { password: planted('password'), token: planted('token') }), 'web.yaml': deployment('web', 'nginx:broken') });
    const failed = await run(gitSettings(ns, repo));
    expect(failed.result).toBe('RolledBack');

    const history = await new HistoryStore(cluster.client, ns, 'app').list();
    expect(history.map((h) => [h.action, h.result])).toEqual([['sync', 'Succeeded'], ['sync', 'Succeeded'], ['sync', 'Failed'], ['rollback', 'Succeeded']]);
    await expectNoHistoryHolds(ns, [first.password, first.token, second.password]);

    // The digests still tell what changed: the password did between the first two entries, the token did not.
    const store = new HistoryStore(cluster.client, ns, 'app');
    const [one, two] = [sealedSecret((await store.get(1))!.objects, 'db'), sealedSecret((await store.get(2))!.objects, 'db')];
    expect(Object.keys(one.data).sort()).toEqual(['password', 'token']);
    expect(one.data.password).not.toBe(two.data.password);
    expect(one.data.token).toBe(two.data.token);
  });

  it('rolls a failed revision back with the good revision\'s Secret values, read again from Git', async () => {
    const ns = await cluster.newNamespace('hsecrets');
    const repo = await server.createRepo(`${ns}-repo`);
    const good = { password: planted('good'), token: planted('token') };
    const bad = { password: planted('bad'), token: planted('token') };
    await repo.commitAndPush({ 'db.yaml': secret('db', good), 'web.yaml': deployment('web', 'nginx:1.25'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) });
    expect((await run(gitSettings(ns, repo))).result).toBe('Synced');
    await repo.commitAndPush({ 'db.yaml': secret('db', bad), 'web.yaml': deployment('web', 'nginx:broken') });

    const outcome = await run(gitSettings(ns, repo));

    expect(outcome).toMatchObject({ result: 'RolledBack', reason: 'RolledBack' });
    expect(await liveSecret(ns, 'db')).toEqual(good);
    await expectNoHistoryHolds(ns, [good.password, good.token, bad.password, bad.token]);
  });

  it('rolls back to a pinned entry (ferry rollback --to N) with that revision\'s Secret values, read again from Git', async () => {
    const ns = await cluster.newNamespace('hsecrets');
    const repo = await server.createRepo(`${ns}-repo`);
    const first = { password: planted('first'), token: planted('token') };
    const second = { password: planted('second'), token: planted('token') };
    await repo.commitAndPush({ 'db.yaml': secret('db', first), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) });
    expect((await run(gitSettings(ns, repo))).result).toBe('Synced');
    await repo.commitAndPush({ 'db.yaml': secret('db', second) });
    expect((await run(gitSettings(ns, repo))).result).toBe('Synced');
    expect(await liveSecret(ns, 'db')).toEqual(second);

    const pinned = await run(gitSettings(ns, repo), { pinnedEntry: 1 });

    expect(pinned).toMatchObject({ result: 'Synced', reason: 'Pinned' });
    expect(await liveSecret(ns, 'db')).toEqual(first);
    // Pinned and unchanged on the next poll: the re-read values are what the cluster holds, no drift.
    expect(await run(gitSettings(ns, repo), { pinnedEntry: 1 })).toMatchObject({ result: 'Unchanged', drift: [] });
    await expectNoHistoryHolds(ns, [first.password, first.token, second.password, second.token]);
  });

  it('refuses a rollback whose revision cannot be read back from its source, clearly, and writes nothing', async () => {
    const ns = await cluster.newNamespace('hsecrets');
    const good = { password: planted('good'), token: planted('token') };
    const bad = { password: planted('bad'), token: planted('token') };
    // A directory source (ferry apply ./dir) holds only its current content: the good revision is gone from it.
    expect((await run(settings(ns, revision({ 'db.yaml': secret('db', good), 'web.yaml': deployment('web', 'nginx:1.25'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) })))).result).toBe('Synced');

    const outcome = await run(settings(ns, revision({ 'db.yaml': secret('db', bad), 'web.yaml': deployment('web', 'nginx:broken'), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) })));

    expect(outcome).toMatchObject({ result: 'Failed', reason: 'RollbackFailed' });
    expect(outcome.message).toContain(`cannot run (nothing was rolled back): cannot read revision`);
    expect(outcome.message).toContain(`back from the source for the values of Secret/${ns}/db (history keeps only their digests)`);
    expect(outcome.rollback).toBeUndefined();
    // The failed revision stays as it was applied; no rollback entry claims otherwise.
    expect(await liveSecret(ns, 'db')).toEqual(bad);
    const web = await cluster.client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' });
    expect((web.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0]?.image).toBe('nginx:broken');
    expect((await new HistoryStore(cluster.client, ns, 'app').list()).map((h) => [h.action, h.result])).toEqual([['sync', 'Succeeded'], ['sync', 'Failed']]);
  });

  it('rewrites an entry an older ferry wrote with Secret values on the first write, and it stays the base and a rollback target', async () => {
    const ns = await cluster.newNamespace('hsecrets');
    const repo = await server.createRepo(`${ns}-repo`);
    const old = { password: planted('old'), token: planted('token') };
    const commit = await repo.commitAndPush({ 'db.yaml': secret('db', old), 'cfg.yaml': configMap('web-config', { MODE: 'prod' }) });
    // What an older ferry recorded for this commit: the Secret as rendered, values and all.
    const oldObjects: KubeObject[] = [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: ns }, type: 'Opaque', stringData: { password: old.password }, data: { token: b64(old.token) } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: ns }, data: { MODE: 'prod' } },
    ];
    await cluster.client.create(oldFormatEntry(ns, commit, oldObjects));
    await cluster.client.create({ ...(oldObjects[0] as KubeObject), metadata: { name: 'db', namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'ferry', 'ferry.dev/sync': `${ns}.app` } } });
    await cluster.client.create({ ...(oldObjects[1] as KubeObject), metadata: { name: 'web-config', namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'ferry', 'ferry.dev/sync': `${ns}.app` } } });
    const next = { password: planted('next'), token: old.token };
    await repo.commitAndPush({ 'db.yaml': secret('db', next) });

    expect((await run(gitSettings(ns, repo))).result).toBe('Synced');

    await expectNoHistoryHolds(ns, [old.password, old.token]);
    const store = new HistoryStore(cluster.client, ns, 'app');
    const migrated = await store.get(1);
    expect(migrated).toMatchObject({ number: 1, revision: commit, action: 'sync', result: 'Succeeded', message: 'applied 2 changes' });
    expect(Object.keys(sealedSecret(migrated!.objects, 'db').data).sort()).toEqual(['password', 'token']);
    // A rollback to the rewritten entry reads its values from Git again.
    expect(await run(gitSettings(ns, repo), { pinnedEntry: 1 })).toMatchObject({ result: 'Synced', reason: 'Pinned' });
    expect(await liveSecret(ns, 'db')).toEqual(old);
  });
});

/** A history Secret as ferry wrote it before Secrets were sealed: no format annotation, values in the payload. */
function oldFormatEntry(ns: string, revision: string, objects: KubeObject[]): KubeObject {
  const payload = gzipSync(Buffer.from(JSON.stringify({ objects, inventory: objects.map((o) => objectKey(refOf(o))) }), 'utf8'));
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'ferry.dev/history.v1',
    metadata: {
      name: 'ferry.history.app.v1',
      namespace: ns,
      labels: { [HISTORY_LABEL]: 'app', 'ferry.dev/history-number': '1' },
      annotations: {
        'ferry.dev/history-revision': revision,
        'ferry.dev/history-action': 'sync',
        'ferry.dev/history-result': 'Succeeded',
        'ferry.dev/history-time': '2026-11-01T10:00:00.000Z',
        'ferry.dev/history-duration-ms': '812',
        'ferry.dev/history-message': 'applied 2 changes',
      },
    },
    data: { payload: payload.toString('base64') },
  };
}
