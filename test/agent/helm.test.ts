/**
 * GitSyncs on Helm charts, end to end: the agent, the API simulator, the real helm, a real Git
 * server, a real chart repository and a real OCI registry, all on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { eventually } from '../support/cluster.js';
import { chartFiles, packageChart, removeScratch } from '../support/charts.js';
import { startChartRepository, type ChartRepository } from '../support/chart-repository.js';
import { ociRegistry, startOciRegistry } from '../support/oci-registry.js';
import { conditionOf, gitSync, startBed, type Bed } from './harness.js';

let bed: Bed;
let repository: ChartRepository;
beforeAll(async () => {
  bed = await startBed();
  await bed.startAgent();
  repository = await startChartRepository();
  for (const version of ['1.1.0', '1.2.0', '1.2.3', '2.0.0']) await repository.publish(await packageChart('cache', { version }));
});
afterAll(async () => {
  await repository?.stop();
  await bed?.stop();
  removeScratch();
});

const getGitSync = (ns: string, name: string) => bed.client.getOrNull({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name });
const status = async (ns: string, name: string) => ((await getGitSync(ns, name))?.status ?? {}) as Record<string, any>;
const get = (ns: string, kind: string, name: string, apiVersion = 'v1') => bed.client.getOrNull({ apiVersion, kind, namespace: ns, name }) as Promise<(KubeObject & Record<string, any>) | null>;
const ready = async (ns: string, name: string) => conditionOf(await getGitSync(ns, name), 'Ready');
const chartSync = (ns: string, name: string, helm: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
  gitSync(ns, name, '', { source: { helm, interval: '300ms' }, ...spec });

describe('a GitSync on a Helm chart', () => {
  it('in Git: a path with a Chart.yaml becomes Ready, its dependency built from the repository beside it', async () => {
    const ns = await bed.cluster.newNamespace('helm');
    const repo = await bed.git.createRepo(ns);
    const sha = await repo.commitAndPush(chartFiles(['shop', 'cache']));
    await bed.client.create(gitSync(ns, 'web', repo.url, { source: { url: repo.url, interval: '300ms', path: 'charts/shop' } }));
    await eventually(async () => (await status(ns, 'web')).lastAppliedRevision === sha);
    expect(await ready(ns, 'web')).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(conditionOf(await getGitSync(ns, 'web'), 'Healthy')).toMatchObject({ status: 'True' });
    expect((await status(ns, 'web')).inventory).toEqual(expect.arrayContaining([`Deployment/${ns}/web-shop@apps/v1`, `Deployment/${ns}/web-cache@apps/v1`, `ConfigMap/${ns}/web-shop-config@v1`]));
    const deployment = await get(ns, 'Deployment', 'web-shop', 'apps/v1');
    expect(deployment?.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'ferry', 'ferry.dev/sync': `${ns}.web`, 'app.kubernetes.io/instance': 'web' });
  });

  it('from a chart repository: the highest version inside the range becomes Ready; a new version inside it is the next revision', async () => {
    const ns = await bed.cluster.newNamespace('helm');
    const repo = await startChartRepository();
    try {
      for (const version of ['1.2.0', '1.2.3', '2.0.0']) await repo.publish(await packageChart('cache', { version }));
      await bed.client.create(chartSync(ns, 'cache', { repository: repo.url, chart: 'cache', version: '~1.2.0' }));
      await eventually(async () => /^cache@1\.2\.3@sha256:[0-9a-f]{12}$/.test((await status(ns, 'cache')).lastAppliedRevision ?? ''));
      expect(await ready(ns, 'cache')).toMatchObject({ status: 'True', reason: 'Synced' });
      expect((await get(ns, 'Deployment', 'cache-cache', 'apps/v1'))?.metadata.labels?.['helm.sh/chart']).toBe('cache-1.2.3');
      await repo.publish(await packageChart('cache', { version: '1.2.4' }));
      await eventually(async () => (await status(ns, 'cache')).lastAppliedRevision?.startsWith('cache@1.2.4@'));
      expect((await get(ns, 'Deployment', 'cache-cache', 'apps/v1'))?.metadata.labels?.['helm.sh/chart']).toBe('cache-1.2.4');
    } finally {
      await repo.stop();
    }
  });

  it.skipIf(ociRegistry.skip)('from an OCI registry behind the token handshake, with the Secret’s credentials: becomes Ready', async () => {
    const ns = await bed.cluster.newNamespace('helm');
    const registry = await startOciRegistry({ auth: { username: 'robot', password: 'pull-secret-value' } });
    try {
      const digest = await registry.push(await packageChart('cache', { version: '1.2.3' }));
      await bed.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'registry', namespace: ns }, stringData: { username: 'robot', password: 'pull-secret-value' } });
      const helm = { repository: registry.url, chart: 'cache', version: '>=1 <2', insecure: true };
      await bed.client.create(gitSync(ns, 'cache', '', { source: { helm, interval: '300ms', secretRef: { name: 'registry' } } }));
      await eventually(async () => (await status(ns, 'cache')).lastAppliedRevision === `cache@1.2.3@${digest.slice(0, 19)}`);
      expect(await ready(ns, 'cache')).toMatchObject({ status: 'True', reason: 'Synced' });
      expect(await get(ns, 'Service', 'cache-cache')).not.toBeNull();
    } finally {
      await registry.stop();
    }
  });

  it('a values change in a referenced ConfigMap is synced without a commit', async () => {
    const ns = await bed.cluster.newNamespace('helm');
    const repo = await bed.git.createRepo(ns);
    const sha = await repo.commitAndPush(chartFiles(['shop', 'cache']));
    await bed.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shop-values', namespace: ns }, data: { 'values.yaml': 'config:\n  currency: USD\n' } });
    await bed.client.create(
      gitSync(ns, 'web', repo.url, {
        source: { url: repo.url, interval: '300ms', path: 'charts/shop' },
        render: { helm: { valuesFrom: [{ kind: 'ConfigMap', name: 'shop-values' }] } },
      }),
    );
    const config = async () => (await get(ns, 'ConfigMap', 'web-shop-config'))?.data?.CURRENCY;
    await eventually(async () => (await config()) === 'USD');
    // The revision is the commit and the digest of the values from outside it.
    const first = await eventually(async () => (await status(ns, 'web')).lastAppliedRevision as string | undefined);
    expect(first).toMatch(new RegExp(`^${sha}\\+values\\.[0-9a-f]{12}$`));
    await bed.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'shop-values' }, { data: { 'values.yaml': 'config:\n  currency: CHF\n' } });
    await eventually(async () => (await config()) === 'CHF');
    await eventually(async () => (await status(ns, 'web')).lastAppliedRevision !== first);
    expect((await status(ns, 'web')).lastAppliedRevision).toMatch(new RegExp(`^${sha}\\+values\\.`));
  });

  it('a chart revision that does not become healthy is rolled back to the last good one', async () => {
    const ns = await bed.cluster.newNamespace('helm');
    const repo = await startChartRepository();
    try {
      await repo.publish(await packageChart('cache', { version: '1.2.3' }));
      await bed.client.create(chartSync(ns, 'cache', { repository: repo.url, chart: 'cache', version: '~1.2.0' }, { health: { timeout: '2s' } }));
      await eventually(async () => (await status(ns, 'cache')).lastAppliedRevision?.startsWith('cache@1.2.3@'));
      await repo.publish(await packageChart('cache', { version: '1.2.4', edit: { 'values.yaml': (old) => old.replace('tag: ""', 'tag: "7.2.4-broken"') } }));
      await eventually(async () => (await ready(ns, 'cache'))?.reason === 'RolledBack', 30_000);
      const s = await status(ns, 'cache');
      expect(s.failedRevision).toMatch(/^cache@1\.2\.4@/);
      expect(s.lastAppliedRevision).toMatch(/^cache@1\.2\.3@/);
      expect((await get(ns, 'Deployment', 'cache-cache', 'apps/v1'))?.spec.template.spec.containers[0].image).toBe('redis:7.2.4');
    } finally {
      await repo.stop();
    }
  });

  it('a template error is located in the GitSync’s condition, and changes nothing on the cluster', async () => {
    const ns = await bed.cluster.newNamespace('helm');
    const repo = await bed.git.createRepo(ns);
    const good = await repo.commitAndPush(chartFiles(['shop', 'cache']));
    await bed.client.create(gitSync(ns, 'web', repo.url, { source: { url: repo.url, interval: '300ms', path: 'charts/shop' } }));
    await eventually(async () => (await status(ns, 'web')).lastAppliedRevision === good);
    const before = (await get(ns, 'Deployment', 'web-shop', 'apps/v1'))?.metadata.resourceVersion;
    await repo.commitAndPush({ 'charts/shop/templates/configmap.yaml': (chartFiles(['shop'])['charts/shop/templates/configmap.yaml'] as string).replace('{{ .Values.config.theme | quote }}', '{{ .Values.config.branding.theme | quote }}') });
    await eventually(async () => (await ready(ns, 'web'))?.reason === 'RenderFailed');
    expect((await ready(ns, 'web'))?.message).toContain('charts/shop/templates/configmap.yaml:9:');
    expect((await ready(ns, 'web'))?.message).toContain('chart shop 0.3.0: values key config.branding.theme is missing: config.branding is not set in the values');
    expect((await status(ns, 'web')).lastAppliedRevision).toBe(good);
    expect((await get(ns, 'Deployment', 'web-shop', 'apps/v1'))?.metadata.resourceVersion).toBe(before);
  });
});
