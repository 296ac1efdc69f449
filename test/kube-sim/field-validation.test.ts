import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/cluster.js';
import { startKubeSim, type KubeSim } from '../support/kube-sim/index.js';

/**
 * Unknown and duplicate fields, as kube-apiserver 1.32 treats them (`fieldValidation`): Strict
 * refuses, Warn (the default) drops the field and says so in a `Warning` header, Ignore drops it
 * silently; 1.19 knows no such parameter and always drops silently. What a field is comes from the
 * captured OpenAPI documents for built-in kinds and from the CRD's schema for custom resources.
 */
let sim: KubeSim;
let old: KubeSim;

async function send(target: KubeSim, method: string, path: string, body: unknown, contentType = 'application/json') {
  const response = await fetch(`${target.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${target.token}`, 'Content-Type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any, warnings: response.headers.get('warning') };
}

const configMap = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' }, ...extra });
const deployment = (name: string, container: Record<string, unknown>) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1', ...container }] } } },
});

const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.fv.example.com' },
  spec: {
    group: 'fv.example.com',
    scope: 'Namespaced',
    names: { kind: 'Widget', plural: 'widgets' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  size: { type: 'integer' },
                  port: { 'x-kubernetes-int-or-string': true },
                  extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                  template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
            },
          },
        },
      },
    ],
  },
};

beforeAll(async () => {
  [sim, old] = await Promise.all([startKubeSim(), startKubeSim({ version: '1.19' })]);
  for (const target of [sim, old]) {
    await send(target, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fv' } });
  }
  await send(sim, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', widgetCrd);
  await eventually(async () => (await fetch(`${sim.url}/apis/fv.example.com/v1`, { headers: { Authorization: `Bearer ${sim.token}` } })).status === 200);
});
afterAll(async () => Promise.all([sim.stop(), old.stop()]));

describe('fieldValidation on Kubernetes 1.32', () => {
  it('refuses unknown fields with Strict, naming every path in document order, and stores nothing', async () => {
    const answer = await send(sim, 'POST', '/api/v1/namespaces/fv/configmaps?fieldValidation=Strict', configMap('strict', { metadata: { name: 'strict', labelz: { a: 'b' } }, dta: { b: '2' } }));
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      reason: 'BadRequest',
      message: 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.labelz", unknown field "dta"',
    });
    expect(sim.getObject('v1', 'ConfigMap', 'strict', 'fv')).toBeUndefined();
  });

  it('refuses a field given twice with Strict', async () => {
    const body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"twice"},"data":{"a":"1","a":"2"}}';
    const answer = await send(sim, 'POST', '/api/v1/namespaces/fv/configmaps?fieldValidation=Strict', body);
    expect(answer.status).toBe(400);
    expect(answer.body.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "data.a"');
  });

  it('drops unknown fields and warns when the parameter is Warn or absent (the 1.23+ default)', async () => {
    for (const [name, query] of [
      ['warned', '?fieldValidation=Warn'],
      ['defaulted', ''],
    ]) {
      const answer = await send(sim, 'POST', `/apis/apps/v1/namespaces/fv/deployments${query}`, deployment(name as string, { imagePullPolice: 'Always' }));
      expect(answer.status).toBe(201);
      expect(answer.warnings).toBe('299 - "unknown field \\"spec.template.spec.containers[0].imagePullPolice\\""');
      expect(answer.body.spec.template.spec.containers[0]).not.toHaveProperty('imagePullPolice');
    }
    const twice = await send(sim, 'POST', '/api/v1/namespaces/fv/configmaps', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"last-wins"},"data":{"a":"1","a":"2"}}');
    expect(twice.warnings).toBe('299 - "duplicate field \\"data.a\\""');
    expect(twice.body.data).toEqual({ a: '2' });
  });

  it('drops unknown fields silently with Ignore', async () => {
    const answer = await send(sim, 'POST', '/api/v1/namespaces/fv/configmaps?fieldValidation=Ignore', configMap('ignored', { dta: {} }));
    expect(answer.status).toBe(201);
    expect(answer.warnings).toBeNull();
    expect(answer.body).not.toHaveProperty('dta');
  });

  it('refuses a patch that adds an unknown field with Strict, as Invalid on the field "patch"', async () => {
    await send(sim, 'POST', '/api/v1/namespaces/fv/configmaps', configMap('patched'));
    const answer = await send(sim, 'PATCH', '/api/v1/namespaces/fv/configmaps/patched?fieldValidation=Strict', [{ op: 'add', path: '/dta', value: { b: '2' } }], 'application/json-patch+json');
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ reason: 'Invalid', details: { causes: [{ reason: 'FieldValueInvalid', field: 'patch' }] } });
    expect(answer.body.message).toMatch(/^ "" is invalid: patch: Invalid value: ".*": strict decoding error: unknown field "dta"$/);
    const merged = await send(sim, 'PATCH', '/api/v1/namespaces/fv/configmaps/patched', { dta: { b: '2' } }, 'application/merge-patch+json');
    expect(merged.status).toBe(200);
    expect(merged.warnings).toBe('299 - "unknown field \\"dta\\""');
  });

  it('knows the fields of a custom resource from its CRD: int-or-string, preserved and embedded objects', async () => {
    const widget = {
      apiVersion: 'fv.example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
      spec: { size: 1, port: 'http', extra: { anything: { goes: true } }, template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { free: 'form' } } },
    };
    const accepted = await send(sim, 'POST', '/apis/fv.example.com/v1/namespaces/fv/widgets?fieldValidation=Strict', widget);
    expect(accepted.status).toBe(201);
    expect(accepted.body.spec).toEqual(widget.spec);
    const refused = await send(sim, 'POST', '/apis/fv.example.com/v1/namespaces/fv/widgets?fieldValidation=Strict', {
      ...widget,
      metadata: { name: 'w2' },
      spec: { ...widget.spec, colour: 'red', template: { ...widget.spec.template, metadata: { name: 'p', lables: {} } } },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe('Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.template.metadata.lables", unknown field "spec.colour"');
  });

  it('prunes what a custom resource’s schema does not name, with a warning by default', async () => {
    const answer = await send(sim, 'POST', '/apis/fv.example.com/v1/namespaces/fv/widgets', { apiVersion: 'fv.example.com/v1', kind: 'Widget', metadata: { name: 'pruned' }, spec: { size: 2, colour: 'red' }, top: 1 });
    expect(answer.status).toBe(201);
    expect(answer.body.spec).toEqual({ size: 2 });
    expect(answer.body).not.toHaveProperty('top');
    expect(answer.warnings).toBe('299 - "unknown field \\"spec.colour\\"", 299 - "unknown field \\"top\\""');
  });
});

describe('fieldValidation on Kubernetes 1.19', () => {
  it('ignores the parameter and drops unknown fields silently', async () => {
    const answer = await send(old, 'POST', '/apis/apps/v1/namespaces/fv/deployments?fieldValidation=Strict', deployment('typo', { imagePullPolice: 'Always' }));
    expect(answer.status).toBe(201);
    expect(answer.warnings).toBeNull();
    expect(answer.body.spec.template.spec.containers[0]).not.toHaveProperty('imagePullPolice');
    const twice = await send(old, 'POST', '/api/v1/namespaces/fv/configmaps?fieldValidation=Strict', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"twice"},"data":{"a":"1","a":"2"}}');
    expect(twice).toMatchObject({ status: 201, warnings: null, body: { data: { a: '2' } } });
  });
});
