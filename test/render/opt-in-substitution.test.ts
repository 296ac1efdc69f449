import { describe, expect, it } from 'vitest';
import { RenderError, renderManifests } from '../../src/render/index.js';
import { treeOf } from './support.js';

const dashboard = `apiVersion: v1
kind: ConfigMap
metadata:
  name: dashboards
data:
  node.json: '{"datasource": {"uid": "\${datasource}"}, "expr": "rate(x{instance=~\\"\${instance:regex}\\"}[\${__rate_interval}])"}'
`;
const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-\${ENV}
spec:
  replicas: \${REPLICAS}
  paused: \${PAUSED:=false}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: "registry.example.com/web:\${TAG}"
          env:
            - name: REPLICAS_TEXT
              value: "\${REPLICAS}"
            - name: REGION
              value: \${REGION:-eu-west-1}
`;

const problemsOf = (work: Promise<unknown>) =>
  work.then(
    () => [],
    (error: unknown) => {
      if (!(error instanceof RenderError)) throw error;
      return error.problems.map((p) => `${p.file}:${p.line}:${p.column}: ${p.message}`);
    },
  );

describe('substitution is opt-in, as Flux postBuild is', () => {
  it('is off unless variables are given: ${...} in a Grafana dashboard is data', async () => {
    const script = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: script\ndata:\n  run.sh: echo ${HOSTNAME:-localhost} ${REPLICAS}\n';
    const result = await renderManifests({ tree: treeOf({ 'dashboards.yaml': dashboard, 'script.yaml': script }) });
    expect((result.objects[0]?.object.data as Record<string, string>)['node.json']).toContain('"uid": "${datasource}"');
    expect(result.objects[1]?.object.data).toEqual({ 'run.sh': 'echo ${HOSTNAME:-localhost} ${REPLICAS}' });
  });

  it('when on, substitutes values; a plain scalar takes the type of its new text, a quoted one stays a string', async () => {
    const result = await renderManifests({ tree: treeOf({ 'deploy.yaml': deployment }), substitute: { ENV: 'prod', REPLICAS: '3', TAG: '1.4.2' } });
    const object = result.objects[0]?.object as any;
    expect(object.metadata.name).toBe('web-prod');
    expect(object.spec.replicas).toBe(3);
    expect(object.spec.paused).toBe(false);
    expect(object.spec.template.spec.containers[0].image).toBe('registry.example.com/web:1.4.2');
    expect(object.spec.template.spec.containers[0].env).toEqual([
      { name: 'REPLICAS_TEXT', value: '3' },
      { name: 'REGION', value: 'eu-west-1' },
    ]);
  });

  it('leaves an object annotated ferry.dev/substitute: disabled as written', async () => {
    const annotated = dashboard.replace('  name: dashboards\n', '  name: dashboards\n  annotations:\n    ferry.dev/substitute: disabled\n');
    const result = await renderManifests({ tree: treeOf({ 'dashboards.yaml': annotated }), substitute: {} });
    expect((result.objects[0]?.object.data as Record<string, string>)['node.json']).toContain('${datasource}');
  });

  it('reports an unset variable at its field: the file, line and column of the value, and the field path', async () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: settings\n    data:\n      url: https://\${HOST}/api\n`;
    expect(await problemsOf(renderManifests({ tree: treeOf({ 'a-deploy.yaml': `# web\n---\n${deployment}`, 'b-list.yaml': list }), substitute: { ENV: 'prod' } }))).toEqual([
      'a-deploy.yaml:8:13: Deployment/web-${ENV}: ${REPLICAS} at spec.replicas is not set and has no default (give one as ${REPLICAS:-value}, write $${REPLICAS} for the literal text, or annotate the object ferry.dev/substitute: disabled)',
      expect.stringMatching(/^a-deploy\.yaml:16:18: Deployment\/web-\$\{ENV\}: \$\{TAG\} at spec\.template\.spec\.containers\[0\]\.image is not set/),
      expect.stringMatching(/^a-deploy\.yaml:19:22: Deployment\/web-\$\{ENV\}: \$\{REPLICAS\} at spec\.template\.spec\.containers\[0\]\.env\[0\]\.value is not set/),
      expect.stringMatching(/^b-list\.yaml:9:12: ConfigMap\/settings: \$\{HOST\} at data\.url is not set/),
    ]);
  });

  it('reports an unset variable in kustomize output in the file the object was written in', async () => {
    const tree = treeOf({
      'base/kustomization.yaml': 'resources: [deploy.yaml]\n',
      'base/deploy.yaml': deployment,
      'overlay/kustomization.yaml': 'resources: [../base]\nnamePrefix: shop-\n',
    });
    expect(await problemsOf(renderManifests({ tree, path: 'overlay', substitute: { ENV: 'prod', REPLICAS: '2' } }))).toEqual([
      expect.stringMatching(/^base\/deploy\.yaml:14:18: Deployment\/shop-web-\$\{ENV\}: \$\{TAG\} at spec\.template\.spec\.containers\[0\]\.image is not set/),
    ]);
  });
});
