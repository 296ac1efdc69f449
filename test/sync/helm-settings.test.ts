import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { helmOptionsOf, resolveSyncInputs, settingsFromGitSync, withValuesDigest } from '../../src/sync/index.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

const gitSync = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', metadata: { name: 'shop', namespace: 'team-a' }, spec });

describe('a GitSync on a chart: spec.source.helm and spec.render.helm', () => {
  it('reads a chart from a repository, and how it is rendered', () => {
    const settings = settingsFromGitSync(
      gitSync({
        source: { helm: { repository: 'oci://registry.example.com/charts', chart: 'shop', version: '>=1.2 <2', insecure: true }, interval: '5m', secretRef: { name: 'registry' } },
        render: {
          type: 'helm',
          helm: {
            releaseName: 'storefront',
            namespace: 'shop',
            valuesFiles: ['values-prod.yaml'],
            valuesFrom: [{ kind: 'ConfigMap', name: 'shop-values' }, { kind: 'Secret', name: 'shop-db', valuesKey: 'password', targetPath: 'db.password', optional: true }],
            values: { replicaCount: 3 },
            skipCRDs: true,
          },
        },
      }),
    );
    expect(settings).toMatchObject({
      source: { type: 'helm', repository: 'oci://registry.example.com/charts', chart: 'shop', version: '>=1.2 <2', insecure: true },
      secretName: 'registry',
      intervalMs: 300_000,
      renderType: 'helm',
      helm: {
        releaseName: 'storefront',
        namespace: 'shop',
        valuesFiles: ['values-prod.yaml'],
        valuesFrom: [
          { kind: 'ConfigMap', name: 'shop-values', valuesKey: 'values.yaml', optional: false },
          { kind: 'Secret', name: 'shop-db', valuesKey: 'password', targetPath: 'db.password', optional: true },
        ],
        values: { replicaCount: 3 },
        skipCRDs: true,
      },
    });
  });

  it('a chart found by type auto renders as a release named after the GitSync', () => {
    const settings = settingsFromGitSync(gitSync({ source: { url: 'https://git.example/shop.git', path: 'charts/shop' } }));
    expect(helmOptionsOf(settings)).toEqual({ releaseName: 'shop', valuesFiles: [], values: [], set: [], skipCRDs: false });
  });

  it.each([
    [{ source: { url: 'https://git.example/shop.git', helm: { repository: 'https://charts.example.com', chart: 'shop' } } }, 'GitSync/team-a/shop: spec.source: set url (a Git repository) or helm (a chart repository or registry), not both'],
    [{ source: { helm: { repository: 'charts.example.com', chart: 'shop' } } }, 'GitSync/team-a/shop: spec.source.helm.repository: must be an https:// (or http://) chart repository or an oci:// registry'],
    [{ source: { helm: { repository: 'https://charts.example.com' } } }, 'GitSync/team-a/shop: spec.source.helm.chart: missing'],
    [{ source: { url: 'https://git.example/shop.git' }, render: { helm: { valuesFrom: [{ kind: 'Deployment', name: 'x' }] } } }, 'GitSync/team-a/shop: spec.render.helm.valuesFrom[0].kind: must be ConfigMap or Secret'],
  ])('refuses %j', (spec, message) => {
    expect(() => settingsFromGitSync(gitSync(spec))).toThrow(message);
  });

  it('the revision carries the digest of values from outside it, and only when there are such values', () => {
    const settings = settingsFromGitSync(gitSync({ source: { url: 'https://git.example/shop.git' } }));
    const sha = 'a'.repeat(40);
    expect(withValuesDigest(sha, settings.helm)).toBe(sha);
    const one = withValuesDigest(sha, { ...settings.helm!, resolvedValuesFrom: [{ origin: 'ConfigMap/team-a/v[values.yaml]', content: 'a: 1\n' }] });
    const two = withValuesDigest(sha, { ...settings.helm!, resolvedValuesFrom: [{ origin: 'ConfigMap/team-a/v[values.yaml]', content: 'a: 2\n' }] });
    expect(one).toMatch(new RegExp(`^${sha}\\+values\\.[0-9a-f]{12}$`));
    expect(two).not.toBe(one);
  });
});

describe('resolving valuesFrom and chart credentials', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => cluster?.stop());

  it('reads the keys in order, puts a targetPath value where it says, skips optional ones, and hands the Secret’s values over for scrubbing', async () => {
    const ns = await cluster.newNamespace('values');
    await cluster.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shop-values', namespace: ns }, data: { 'values.yaml': 'replicaCount: 3\n' } });
    await cluster.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shop-db', namespace: ns }, stringData: { password: 'correct-horse-battery' } });
    await cluster.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'charts', namespace: ns }, stringData: { username: 'ci', password: 'repo-password', 'ca.crt': '-----BEGIN CERTIFICATE-----\n' } });
    const settings = settingsFromGitSync({
      ...gitSync({
        source: { helm: { repository: 'https://charts.example.com', chart: 'shop' }, secretRef: { name: 'charts' } },
        render: {
          helm: {
            valuesFrom: [
              { kind: 'ConfigMap', name: 'shop-values' },
              { kind: 'Secret', name: 'shop-db', valuesKey: 'password', targetPath: 'db.password' },
              { kind: 'ConfigMap', name: 'not-there', optional: true },
            ],
          },
        },
      }),
      metadata: { name: 'shop', namespace: ns },
    });
    const { settings: resolved, secretValues } = await resolveSyncInputs(cluster.client, settings);
    expect(resolved.helm?.resolvedValuesFrom).toEqual([
      { origin: `ConfigMap/${ns}/shop-values[values.yaml]`, content: 'replicaCount: 3\n' },
      { origin: `Secret/${ns}/shop-db[password]`, content: { db: { password: 'correct-horse-battery' } }, secret: true },
    ]);
    expect(resolved.source).toMatchObject({ type: 'helm', credentials: { username: 'ci', password: 'repo-password', caCert: '-----BEGIN CERTIFICATE-----\n' } });
    expect(secretValues).toEqual(expect.arrayContaining(['correct-horse-battery', 'repo-password']));
  });

  it('a required ConfigMap key that is missing fails the sync, naming it', async () => {
    const ns = await cluster.newNamespace('values');
    await cluster.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shop-values', namespace: ns }, data: { 'prod.yaml': 'a: 1\n' } });
    const settings = settingsFromGitSync({ ...gitSync({ source: { url: 'https://git.example/shop.git' }, render: { helm: { valuesFrom: [{ kind: 'ConfigMap', name: 'shop-values' }] } } }), metadata: { name: 'shop', namespace: ns } });
    await expect(resolveSyncInputs(cluster.client, settings)).rejects.toThrow(`ConfigMap/${ns}/shop-values (named in spec.render.helm.valuesFrom[0]) has no key values.yaml`);
  });
});
