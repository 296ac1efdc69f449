import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatRef, refOf, type KubeObject } from '../../../src/objects.js';
import { planLayers } from '../../../src/apply/index.js';
import { RenderCache, RenderError, renderManifests, type RenderOptions } from '../../../src/render/index.js';
import { openLocalTree } from '../../../src/source/index.js';
import { CHARTS, copyCharts, packageChart, removeScratch } from '../../support/charts.js';
import { startChartRepository } from '../../support/chart-repository.js';
import { recording } from '../support.js';

afterAll(() => removeScratch());

const render = async (dir: string, path: string, options: Partial<RenderOptions> = {}) => renderManifests({ tree: await openLocalTree(dir), path, targetNamespace: 'shop', ...options, helm: { releaseName: 'web', ...options.helm } });
const refs = (objects: Array<{ object: KubeObject; source: { file: string; line: number } }>) => objects.map((o) => `${formatRef(refOf(o.object))} ${o.source.file}:${o.source.line}`);
const find = (objects: Array<{ object: KubeObject }>, kind: string, name: string) => objects.find((o) => o.object.kind === kind && o.object.metadata.name === name)?.object as KubeObject & Record<string, any>;
const problemsOf = (work: Promise<unknown>) =>
  work.then(
    () => [],
    (error: unknown) => {
      if (!(error instanceof RenderError)) throw error;
      return error.problems.map((p) => `${p.code} ${p.file}:${p.line}:${p.column} ${p.message}`);
    },
  );

describe('a Helm chart in Git, rendered by the real helm', () => {
  it('a directory with a Chart.yaml renders as the chart; each object is located in its template, the dependency’s in the subchart', async () => {
    const { tree, reads } = recording(await openLocalTree(CHARTS));
    const result = await renderManifests({ tree, path: 'shop', targetNamespace: 'shop', helm: { releaseName: 'web' } });
    expect(result.renderer).toBe('helm');
    expect(refs(result.objects).sort()).toEqual([
      'ConfigMap/shop/web-shop-config shop/templates/configmap.yaml:1',
      'Deployment/shop/web-cache shop/charts/cache/templates/deployment.yaml:1',
      'Deployment/shop/web-shop shop/templates/deployment.yaml:1',
      'Service/shop/web-cache shop/charts/cache/templates/service.yaml:1',
      'Service/shop/web-shop shop/templates/service.yaml:1',
      'ServiceAccount/shop/web-shop shop/templates/serviceaccount.yaml:1',
    ]);
    expect(find(result.objects, 'Deployment', 'web-shop').spec.template.spec.containers[0].image).toBe('nginx:1.25.3');
    // The chart, and the file:// dependency it has to build, and nothing else of the repository.
    expect(reads().every((path) => path.startsWith('shop/') || path.startsWith('cache/'))).toBe(true);
  });

  it('the dependency is built in scratch space: the source directory is left as it was', async () => {
    const dir = copyCharts();
    const before = readdirSync(join(dir, 'shop')).sort();
    await render(dir, 'shop');
    expect(readdirSync(join(dir, 'shop')).sort()).toEqual(before);
  });

  it('a path that names the Chart.yaml renders its chart; type helm forces it', async () => {
    expect((await render(CHARTS, 'cache/Chart.yaml')).objects).toHaveLength(2);
    expect(await problemsOf(render(CHARTS, 'broken', { type: 'helm' }))).toEqual(['RENDER_HELM_CHART_INVALID broken/Chart.yaml:1:1 no Chart.yaml: broken is not a Helm chart']);
  });

  it('a dependency vendored under charts/ is used as it is, with no attempt to fetch it', async () => {
    const dir = copyCharts({ 'shop/Chart.yaml': (old) => old.replace('file://../cache', 'https://charts.invalid.example') });
    cpSync(join(dir, 'cache'), join(dir, 'shop', 'charts', 'cache'), { recursive: true });
    rmSync(join(dir, 'cache'), { recursive: true });
    const result = await render(dir, 'shop');
    expect(find(result.objects, 'Deployment', 'web-cache')).toBeDefined();
  });

  it('a dependency that is not vendored is fetched from its chart repository, the highest version its range allows', async () => {
    const repository = await startChartRepository();
    try {
      for (const version of ['1.2.0', '1.2.5', '1.3.0']) await repository.publish(await packageChart('cache', { version }));
      const dir = copyCharts({ 'shop/Chart.yaml': (old) => old.replace('file://../cache', repository.url) });
      const result = await render(dir, 'shop');
      expect(find(result.objects, 'Deployment', 'web-cache').metadata.labels?.['helm.sh/chart']).toBe('cache-1.2.5');
      expect(repository.requests.map((r) => r.path)).toContain('/cache-1.2.5.tgz');
    } finally {
      await repository.stop();
    }
  });

  it('a dependency that cannot be fetched fails the render at Chart.yaml, naming it', async () => {
    const dir = copyCharts({ 'shop/Chart.yaml': (old) => old.replace('file://../cache', 'http://127.0.0.1:9/charts') });
    const [problem] = await problemsOf(render(dir, 'shop'));
    expect(problem).toMatch(/^RENDER_HELM_DEPENDENCY shop\/Chart\.yaml:1:1 chart shop 0\.3\.0: .*\(fetching the dependencies not vendored under charts\/: cache ~1\.2\.0 from http:\/\/127\.0\.0\.1:9\/charts\)$/);
  });
});

describe('.helmignore, as helm reads a chart directory', () => {
  it('what the chart’s .helmignore leaves out is neither read nor copied: an LFS-tracked screenshot in docs/ does not fail the render', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const dir = copyCharts({ 'cache/.helmignore': '# Patterns to ignore when building packages.\n.git/\n*.swp\ndocs/\n*.png\n' });
    mkdirSync(join(dir, 'cache', 'docs'), { recursive: true });
    const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${'4d7a'.repeat(16)}\nsize 4812345\n`;
    writeFileSync(join(dir, 'cache', 'docs', 'dashboard.png'), pointer);
    writeFileSync(join(dir, 'cache', 'architecture.png'), pointer);
    const { tree, reads } = recording(await openLocalTree(dir));
    const result = await renderManifests({ tree, path: 'cache', targetNamespace: 'shop', helm: { releaseName: 'web' } });
    expect(refs(result.objects).sort()).toEqual(['Deployment/shop/web-cache cache/templates/deployment.yaml:1', 'Service/shop/web-cache cache/templates/service.yaml:1']);
    expect(reads().filter((path) => path.endsWith('.png'))).toEqual([]);
  });
});

describe('values, in the order Flux and Argo CD users expect', () => {
  it('the chart’s values.yaml < valuesFiles in order < values layers in order < --set; maps merge key by key', async () => {
    const dir = copyCharts();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'shop-base.yaml'), 'config:\n  currency: USD\n  theme: dark\n  featureFlags:\n    search-v3: true\nreplicaCount: 3\n');
    writeFileSync(join(dir, 'shop-prod.yaml'), 'config:\n  theme: blue\n');
    const result = await render(dir, 'shop', {
      helm: {
        valuesFiles: ['shop-base.yaml', 'shop-prod.yaml'],
        values: [
          { origin: 'ConfigMap/shop/shop-values[values.yaml]', content: 'config:\n  theme: green\nreplicaCount: 4\n' },
          { origin: 'spec.render.helm.values', content: { replicaCount: 5, image: { tag: '1.27.0' } } },
        ],
        set: ['replicaCount=6'],
      },
    });
    const config = find(result.objects, 'ConfigMap', 'web-shop-config').data;
    expect(config).toEqual({ CURRENCY: 'USD', THEME: 'green', FLAG_CHECKOUT_V2: 'false', FLAG_SEARCH_V3: 'true', CACHE_HOST: 'web-cache' });
    const deployment = find(result.objects, 'Deployment', 'web-shop');
    expect(deployment.spec.replicas).toBe(6);
    expect(deployment.spec.template.spec.containers[0].image).toBe('nginx:1.27.0');
  });

  it('a values file that is not in the revision is an error naming it', async () => {
    expect(await problemsOf(render(CHARTS, 'shop', { helm: { valuesFiles: ['envs/prod/values.yaml'] } }))).toEqual([
      expect.stringMatching(/^RENDER_HELM_VALUES envs\/prod\/values\.yaml:1:1 valuesFiles\[0\]: values file "envs\/prod\/values\.yaml" does not exist in revision sha256:/),
    ]);
  });

  it('a values layer that does not parse is named as the user knows it', async () => {
    const [problem] = await problemsOf(render(CHARTS, 'cache', { helm: { values: [{ origin: 'ConfigMap/shop/cache-values[values.yaml]', content: 'port: [6379\n' }] } }));
    expect(problem).toMatch(/^RENDER_HELM_FAILED cache\/Chart\.yaml:1:1 chart cache 1\.2\.0: .*ConfigMap\/shop\/cache-values\[values\.yaml\]/);
    expect(problem).not.toMatch(/ferry-helm-/);
  });

  it('values from a Secret never appear in an error, even when a template prints them', async () => {
    const dir = copyCharts({ 'cache/templates/service.yaml': '{{ fail (printf "cannot connect with password %s" .Values.auth.password) }}\n' });
    const problems = await problemsOf(render(dir, 'cache', { helm: { values: [{ origin: 'Secret/shop/cache-auth[values.yaml]', content: 'auth:\n  password: pa55-w0rd-from-secret\n', secret: true }] } }));
    expect(problems).toEqual(['RENDER_HELM_TEMPLATE cache/templates/service.yaml:1:3 chart cache 1.2.0: cannot connect with password ***']);
  });

  it('the release is the sync’s: objects are named after the release name and go to the release namespace', async () => {
    const inTarget = await render(CHARTS, 'cache', { helm: { releaseName: 'orders' } });
    expect(refs(inTarget.objects).sort()).toEqual(['Deployment/shop/orders-cache cache/templates/deployment.yaml:1', 'Service/shop/orders-cache cache/templates/service.yaml:1']);
    const elsewhere = await render(CHARTS, 'cache', { helm: { releaseName: 'orders', namespace: 'caching' } });
    expect(elsewhere.objects.map((o) => o.object.metadata.namespace)).toEqual(['caching', 'caching']);
  });
});

describe('what the chart needs from the cluster and from Helm’s semantics', () => {
  it('.Capabilities come from the cluster: the kube version and the APIs it serves decide what renders', async () => {
    const old = await render(CHARTS, 'capabilities', { cluster: { scopeOf: () => undefined, kubeVersion: 'v1.19.16', apiVersions: ['v1', 'policy/v1beta1'] } });
    expect(refs(old.objects)).toEqual(['PodDisruptionBudget/shop/web capabilities/templates/pdb.yaml:1', 'ConfigMap/shop/web-cluster-info capabilities/templates/info.yaml:1']);
    expect(old.objects[0]?.object.apiVersion).toBe('policy/v1beta1');
    const current = await render(CHARTS, 'capabilities', {
      cluster: { scopeOf: () => undefined, kubeVersion: 'v1.32.4', apiVersions: ['v1', 'policy/v1', 'monitoring.coreos.com/v1', 'monitoring.coreos.com/v1/ServiceMonitor'] },
    });
    expect(current.objects.map((o) => `${o.object.apiVersion} ${o.object.kind}`)).toEqual(['policy/v1 PodDisruptionBudget', 'v1 ConfigMap', 'monitoring.coreos.com/v1 ServiceMonitor']);
    expect(find(current.objects, 'ConfigMap', 'web-cluster-info').data).toEqual({ kubeVersion: 'v1.32.4', hasServiceMonitors: 'true' });
  });

  it('the CRDs of crds/ are rendered, first in the plan, before their custom resources; skipCRDs leaves them out', async () => {
    const result = await render(CHARTS, 'widgets');
    const layers = planLayers(result.objects.map((o) => o.object)).layers.map((layer) => layer.objects.map((o) => formatRef(refOf(o))));
    expect(layers[0]).toEqual(['CustomResourceDefinition/gadgets.example.com', 'CustomResourceDefinition/widgets.example.com']);
    expect(layers.at(-1)).toEqual(['Widget/shop/default']);
    // crds/ files are copied as they are: their lines are the file's.
    expect(refs(result.objects)).toContain('CustomResourceDefinition/widgets.example.com widgets/crds/widgets.example.com.yaml:2');
    const skipped = await render(CHARTS, 'widgets', { helm: { skipCRDs: true } });
    expect(skipped.objects.map((o) => o.object.kind)).not.toContain('CustomResourceDefinition');
  });

  it('a template that asks .Capabilities about the chart’s own CRDs sees them, as under helm install', async () => {
    const dir = copyCharts({ 'widgets/templates/default-widget.yaml': (old) => old.replace('{{- if .Values.defaultWidget.create }}', '{{- if and .Values.defaultWidget.create (.Capabilities.APIVersions.Has "example.com/v1/Widget") }}') });
    expect((await render(dir, 'widgets', { cluster: { scopeOf: () => undefined, kubeVersion: 'v1.32.4', apiVersions: ['v1'] } })).objects.map((o) => o.object.kind)).toContain('Widget');
  });

  it('hooks: pre-install/pre-upgrade in an early layer by weight, post-install in a late one, test hooks dropped, delete hooks skipped with a warning', async () => {
    const result = await render(CHARTS, 'migrations');
    const layers = planLayers(result.objects.map((o) => o.object)).layers.map((layer) => layer.objects.map((o) => formatRef(refOf(o))));
    expect(layers).toEqual([['ConfigMap/shop/web-migration'], ['Job/shop/web-migrate'], ['Deployment/shop/web-api'], ['Job/shop/web-seed']]);
    expect(result.objects.map((o) => o.object.metadata.name)).not.toContain('web-test-connection');
    expect(result.warnings.map((w) => `${w.code} ${w.file} ${w.message}`)).toEqual([
      'RENDER_HELM_HOOK_SKIPPED migrations/templates/cleanup-job.yaml Job web-cleanup: helm.sh/hook pre-delete has no moment in a sync (ferry never uninstalls or rolls back through Helm); not applied',
    ]);
  });
});

describe('a template error is located and nothing is rendered', () => {
  it.each([
    ['missing-value', 'RENDER_HELM_TEMPLATE broken/missing-value/templates/configmap.yaml:7:27 chart missing-value 0.1.0: values key database.host is missing: database is not set in the values (at <.Values.database.host>)'],
    ['required-value', 'RENDER_HELM_TEMPLATE broken/required-value/templates/ingress.yaml:7:15 chart required-value 0.1.0: ingress.host must be set to the public host name'],
    ['parse-error', 'RENDER_HELM_TEMPLATE broken/parse-error/templates/service.yaml:7:1 chart parse-error 0.1.0: unexpected "}" in operand'],
    ['invalid-yaml', 'RENDER_HELM_YAML broken/invalid-yaml/templates/configmap.yaml:7:1 chart invalid-yaml 0.1.0: the rendered template is not valid YAML: mapping values are not allowed in this context (line 7 of its output)'],
  ])('broken/%s', async (chart, expected) => {
    expect(await problemsOf(render(CHARTS, `broken/${chart}`))).toEqual([expected]);
  });

  it('without a helm binary, says so at the chart', async () => {
    const saved = { PATH: process.env.PATH, FERRY_HELM: process.env.FERRY_HELM };
    process.env.PATH = '/nonexistent';
    delete process.env.FERRY_HELM;
    try {
      expect(await problemsOf(render(CHARTS, 'cache'))).toEqual([
        'RENDER_HELM_NOT_FOUND cache/Chart.yaml:1:1 chart cache: rendering a Helm chart needs the helm binary (v3 or v4), and there is no helm on PATH and FERRY_HELM names none',
      ]);
    } finally {
      Object.assign(process.env, saved);
    }
  });
});

describe('caching', () => {
  it('a new commit that changed nothing the chart reads does not run helm again', async () => {
    const { chmodSync, readFileSync, writeFileSync, existsSync } = await import('node:fs');
    const dir = copyCharts();
    // A helm that counts its runs.
    const counter = join(dir, 'runs');
    writeFileSync(join(dir, 'counting-helm'), `#!/bin/sh\necho "$1" >> ${counter}\nexec ${process.env.FERRY_HELM} "$@"\n`);
    chmodSync(join(dir, 'counting-helm'), 0o755);
    const cache = new RenderCache();
    const options = { cache, helm: { binary: join(dir, 'counting-helm') } };
    const first = await render(dir, 'cache', options);
    writeFileSync(join(dir, 'README.md'), 'an unrelated change\n');
    const again = await render(dir, 'cache', options);
    expect(again.cached).toBe(false);
    expect(refs(again.objects)).toEqual(refs(first.objects));
    expect(existsSync(counter) ? readFileSync(counter, 'utf8').trim().split('\n') : []).toEqual(['template']);
  });
});
