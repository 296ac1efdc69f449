import { describe, expect, it } from 'vitest';
import { formatRef, refOf } from '../../src/objects.js';
import { RenderCache, RenderError, renderManifests } from '../../src/render/index.js';
import { configMap, recording, treeOf } from './support.js';

const refs = (result: Awaited<ReturnType<typeof renderManifests>>) => result.objects.map((o) => `${formatRef(refOf(o.object))} ${o.source.file}:${o.source.line}`);
const problemsOf = (work: Promise<unknown>) =>
  work.then(
    () => [],
    (error: unknown) => {
      if (!(error instanceof RenderError)) throw error;
      return error.problems.map((p) => `${p.code} ${p.file}:${p.line}:${p.column} ${p.message}`);
    },
  );

/** A repository in the shape of many: an overlay, its base, a component, and much that is none of their business. */
const shop = {
  'README.md': '# shop\n',
  'docs/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]),
  'charts/shop/templates/deployment.yaml': 'metadata:\n  name: {{ .Release.Name }}\n',
  'examples/remote/kustomization.yaml': 'resources:\n  - https://github.com/example/shop//deploy?ref=v1\n',
  'deploy/base/kustomization.yaml': 'resources:\n  - deployment.yaml\nconfigMapGenerator:\n  - name: shop-files\n    files:\n      - nginx=conf/nginx.conf\n',
  'deploy/base/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\nspec:\n  selector: {matchLabels: {app: shop}}\n  template:\n    metadata: {labels: {app: shop}}\n    spec:\n      containers: [{name: shop, image: shop:1}]\n',
  'deploy/base/conf/nginx.conf': 'server { listen 8080; }\n',
  'deploy/base/unused.yaml': configMap('not-in-the-kustomization'),
  'deploy/components/tracing/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - path: tracing.yaml\n',
  'deploy/components/tracing/tracing.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\n  annotations: {tracing: "on"}\n',
  'deploy/overlays/prod/kustomization.yaml':
    'resources:\n  - ../../base\n  - extra.yaml\ncomponents:\n  - ../../components/tracing\npatches:\n  - path: patches/replicas.yaml\nreplacements:\n  - path: replacements.yaml\nconfigMapGenerator:\n  - name: shop-env\n    envs:\n      - shop.env\n',
  'deploy/overlays/prod/extra.yaml': configMap('extra'),
  'deploy/overlays/prod/patches/replicas.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\nspec:\n  replicas: 3\n',
  'deploy/overlays/prod/replacements.yaml': '- source: {kind: ConfigMap, name: extra, fieldPath: data.key}\n  targets:\n    - select: {kind: Deployment}\n      fieldPaths: [metadata.annotations.extra]\n      options: {create: true}\n',
  'deploy/overlays/prod/shop.env': 'LEVEL=info\n',
  'deploy/overlays/prod/notes.yaml': 'not: [a manifest\n',
  'deploy/install.yaml': `${configMap('one')}---\n${configMap('two')}`,
};

describe('the sync path: a file, a directory, or a kustomization, and only what it reaches', () => {
  it('a path that names a file renders that file, as kubectl apply -f does, and reads nothing else', async () => {
    const { tree, reads } = recording(treeOf(shop));
    const result = await renderManifests({ tree, path: 'deploy/install.yaml' });
    expect(refs(result)).toEqual(['ConfigMap/default/one deploy/install.yaml:1', 'ConfigMap/default/two deploy/install.yaml:8']);
    expect(reads()).toEqual(['deploy/install.yaml']);
  });

  it('a path that names a kustomization file builds its directory', async () => {
    const result = await renderManifests({ tree: treeOf(shop), path: './deploy/base/kustomization.yaml' });
    expect(result.renderer).toBe('kustomize');
    expect(result.objects.map((o) => o.object.kind).sort()).toEqual(['ConfigMap', 'Deployment']);
  });

  it('a path that does not exist stays an error naming it', async () => {
    expect(await problemsOf(renderManifests({ tree: treeOf(shop), path: 'deploy/install-v2.yaml' }))).toEqual([
      expect.stringMatching(/^RENDER_PATH_NOT_FOUND deploy\/install-v2\.yaml:1:1 path "deploy\/install-v2\.yaml" does not exist/),
    ]);
  });

  it('a path that leaves the source is refused', async () => {
    expect(await problemsOf(renderManifests({ tree: treeOf(shop), path: '../elsewhere' }))).toEqual([expect.stringMatching(/^RENDER_PATH_OUTSIDE_SOURCE/)]);
  });

  it('a kustomization reads what it reaches (resources, bases, components, patches, replacements, generator files) and nothing else', async () => {
    const { tree, reads } = recording(treeOf(shop));
    const result = await renderManifests({ tree, path: 'deploy/overlays/prod' });
    expect(reads()).toEqual([
      'deploy/base/conf/nginx.conf',
      'deploy/base/deployment.yaml',
      'deploy/base/kustomization.yaml',
      'deploy/components/tracing/kustomization.yaml',
      'deploy/components/tracing/tracing.yaml',
      'deploy/overlays/prod/extra.yaml',
      'deploy/overlays/prod/kustomization.yaml',
      'deploy/overlays/prod/patches/replicas.yaml',
      'deploy/overlays/prod/replacements.yaml',
      'deploy/overlays/prod/shop.env',
    ]);
    // What kustomize built from exactly those files: the scratch copy held everything it needed.
    const deployment = result.objects.find((o) => o.object.kind === 'Deployment')?.object as any;
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.metadata.annotations).toEqual({ tracing: 'on', extra: 'value' });
  });

  it('a remote base in a directory the build never reaches does not matter; one it reaches is refused at its entry', async () => {
    await expect(renderManifests({ tree: treeOf(shop), path: 'deploy/overlays/prod' })).resolves.toBeDefined();
    const reached = { ...shop, 'deploy/base/kustomization.yaml': `${shop['deploy/base/kustomization.yaml']}components:\n  - github.com/example/shop-components/tracing?ref=main\n` };
    expect(await problemsOf(renderManifests({ tree: treeOf(reached), path: 'deploy/overlays/prod' }))).toEqual([
      'RENDER_REMOTE_BASE deploy/base/kustomization.yaml:8:5 remote component "github.com/example/shop-components/tracing?ref=main" refused: vendor it into the repository (remote bases are disabled by default)',
    ]);
  });

  it('an entry that points outside the repository is refused at its entry', async () => {
    const escaping = { ...shop, 'deploy/overlays/prod/kustomization.yaml': 'resources:\n  - ../../base\n  - ../../../../etc/passwd\n' };
    expect(await problemsOf(renderManifests({ tree: treeOf(escaping), path: 'deploy/overlays/prod' }))).toEqual([
      'RENDER_PATH_OUTSIDE_SOURCE deploy/overlays/prod/kustomization.yaml:3:5 "../../../../etc/passwd" points outside the repository',
    ]);
  });
});

describe('an unchanged poll renders nothing', () => {
  it('the same revision, path and settings come from the cache without a single read', async () => {
    const cache = new RenderCache();
    const inner = treeOf(shop, 'commit-1');
    const first = await renderManifests({ tree: inner, path: 'deploy/overlays/prod', cache });
    expect(first.cached).toBe(false);
    const { tree, calls } = recording(inner);
    const second = await renderManifests({ tree, path: 'deploy/overlays/prod', cache });
    expect(second).toEqual({ ...first, cached: true });
    expect(calls).toEqual([]);
    // Other settings are another render.
    const other = await renderManifests({ tree, path: 'deploy/overlays/prod', targetNamespace: 'shop', cache });
    expect(other.cached).toBe(false);
  });

  it('a new revision that changed nothing the build reads does not run kustomize again', async () => {
    const cache = new RenderCache();
    const first = await renderManifests({ tree: treeOf(shop, 'commit-1'), path: 'deploy/overlays/prod', cache });
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent'; // kustomize and kubectl cannot start now
    try {
      const next = await renderManifests({ tree: treeOf({ ...shop, 'README.md': '# shop, now with docs\n' }, 'commit-2'), path: 'deploy/overlays/prod', cache });
      expect(next.objects).toEqual(first.objects);
      expect(next.cached).toBe(false);
    } finally {
      process.env.PATH = path;
    }
  });

  it('a cached render is not reused once the cluster serves a kind with another scope', async () => {
    const cache = new RenderCache();
    const tree = treeOf({ 'issuer.yaml': 'apiVersion: certs.example.dev/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt\n' }, 'commit-1');
    let scope: 'Cluster' | undefined;
    const cluster = { scopeOf: () => scope };
    expect((await renderManifests({ tree, cache, cluster })).objects[0]?.object.metadata.namespace).toBe('default');
    scope = 'Cluster'; // the CRD was installed since
    const again = await renderManifests({ tree, cache, cluster });
    expect(again.cached).toBe(false);
    expect(again.objects[0]?.object.metadata).not.toHaveProperty('namespace');
  });
});
