import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/cluster.js';
import { startKubeSim, type KubeSim } from '../support/kube-sim/index.js';

/**
 * Reads beyond plain JSON objects: metadata-only lists (what a client asks for when it needs
 * names, labels and annotations without payloads), and the OpenAPI v3 document of a custom
 * resource's group version.
 */
let sim: KubeSim;
const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

async function get(path: string, accept = 'application/json') {
  const response = await fetch(`${sim.url}${path}`, { headers: { Authorization: `Bearer ${sim.token}`, Accept: accept } });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as any };
}
async function post(path: string, body: unknown) {
  const response = await fetch(`${sim.url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as any;
}

beforeAll(async () => {
  sim = await startKubeSim({ crdEstablishDelayMs: 5 });
  await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'reads' } });
  for (const name of ['one', 'two']) {
    await post('/api/v1/namespaces/reads/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name, labels: { entry: name } }, stringData: { payload: 'x'.repeat(1000) } });
  }
});
afterAll(async () => sim.stop());

describe('metadata-only reads', () => {
  it('lists objects as PartialObjectMetadata: metadata without payloads', async () => {
    const answer = await get('/api/v1/namespaces/reads/secrets?labelSelector=entry%3Done', METADATA_LIST);
    expect(answer.type).toBe('application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1');
    expect(answer.body).toMatchObject({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: expect.any(String) } });
    expect(answer.body.items).toHaveLength(1);
    expect(answer.body.items[0]).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: expect.objectContaining({ name: 'one', labels: { entry: 'one' } }) });
    expect(answer.body.items[0]).not.toHaveProperty('data');
  });

  it('pages metadata-only lists like any list', async () => {
    const page = await get('/api/v1/namespaces/reads/secrets?limit=1', METADATA_LIST);
    expect(page.body.metadata).toMatchObject({ remainingItemCount: 1, continue: expect.any(String) });
  });

  it('answers a plain client with whole objects', async () => {
    const answer = await get('/api/v1/namespaces/reads/secrets');
    expect(answer.body.kind).toBe('SecretList');
    expect(answer.body.items[0].data).toHaveProperty('payload');
  });
});

describe('OpenAPI v3 of a custom resource', () => {
  it('is listed in the index once its CRD is Established, built from the CRD’s schema', async () => {
    const schema = { type: 'object', properties: { spec: { type: 'object', properties: { ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port'], items: { type: 'object', properties: { port: { type: 'integer' } } } } } } } };
    await post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.reads.example.com' },
      spec: { group: 'reads.example.com', scope: 'Namespaced', names: { kind: 'Gadget', plural: 'gadgets' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] },
    });
    const index = await eventually(async () => (await get('/openapi/v3')).body.paths['apis/reads.example.com/v1'] as { serverRelativeURL: string } | undefined);
    const document = (await get(index.serverRelativeURL)).body;
    const gadget = document.components.schemas['com.example.reads.v1.Gadget'];
    expect(gadget['x-kubernetes-group-version-kind']).toEqual([{ group: 'reads.example.com', kind: 'Gadget', version: 'v1' }]);
    expect(gadget.properties.spec).toEqual(schema.properties.spec);
    expect(gadget.properties.metadata).toEqual({ allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }] });
    expect(document.components.schemas).toHaveProperty(['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
    expect(document.components.schemas).toHaveProperty(['com.example.reads.v1.GadgetList']);
  });
});
