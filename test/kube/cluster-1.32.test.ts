/**
 * The client against a cluster that answers as Kubernetes 1.32 (the simulator by default, a real
 * cluster with FERRY_TEST_KUBECONFIG): strict field validation, aggregated discovery, OpenAPI v3
 * and metadata-only lists end to end. test/kube/*.test.ts pin the wire details on replays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FieldValidationError, KubeClient, type ApiWarning } from '../../src/kube/index.js';
import type { KubeObject } from '../../src/objects.js';
import { eventually, simOnly, startTestCluster, type TestCluster } from '../support/cluster.js';
import { startKubeSim } from '../support/kube-sim/index.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster();
});
afterAll(async () => cluster.stop());

const deployment = (namespace: string, container: Record<string, unknown>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'typo', namespace },
  spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx', ...container }] } } },
});

describe('strict field validation against the cluster', () => {
  it('refuses a misspelt field at the dry run and at the write, naming the object and the field, and stores nothing', async () => {
    const ns = await cluster.newNamespace('strict');
    const typo = deployment(ns, { imagePullPolice: 'Always' });
    for (const options of [{ dryRun: true }, {}]) {
      const error = await cluster.client.create(typo, options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FieldValidationError);
      expect(error).toMatchObject({ message: `Deployment/${ns}/typo: unknown field "spec.template.spec.containers[0].imagePullPolice"`, fields: [{ problem: 'unknown', path: 'spec.template.spec.containers[0].imagePullPolice' }], written: false });
    }
    expect(await cluster.client.getOrNull({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'typo' })).toBeNull();
  });

  it('refuses an unknown field added by a patch', async () => {
    const ns = await cluster.newNamespace('strict');
    await cluster.client.create(deployment(ns, {}));
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'typo' };
    await expect(cluster.client.mergePatch(ref, { spec: { replica: 2 } }, { dryRun: true })).rejects.toMatchObject({ code: 'KUBE_FIELD_VALIDATION', fields: [{ path: 'spec.replica' }] });
  });

  it('with fieldValidation Warn, stores the object without the field and hands the warning on', async () => {
    const ns = await cluster.newNamespace('strict');
    const warnings: ApiWarning[] = [];
    const created = await cluster.client.create(deployment(ns, { imagePullPolice: 'Always' }), { fieldValidation: 'Warn', onWarning: (w) => warnings.push(w) });
    expect((created.spec as { template: { spec: { containers: Array<Record<string, unknown>> } } }).template.spec.containers[0]).not.toHaveProperty('imagePullPolice');
    expect(warnings.map((w) => [w.subject, w.text])).toEqual([[`Deployment/${ns}/typo`, 'unknown field "spec.template.spec.containers[0].imagePullPolice"']]);
  });
});

describe('discovery, OpenAPI and metadata lists against the cluster', () => {
  it.skipIf(simOnly.skip)('lists everything in two aggregated discovery requests', async () => {
    const fresh = KubeClient.fromConfig({ kubeconfig: cluster.kubeconfigPath });
    cluster.sim!.resetRequests();
    const resources = await fresh.listResources();
    expect(resources.find((r) => r.kind === 'Deployment')).toMatchObject({ apiVersion: 'apps/v1', namespaced: true });
    expect(resources.some((r) => r.apiVersion === 'policy/v1beta1')).toBe(false);
    expect(cluster.sim!.requests.filter((r) => r.verb === 'discovery').map((r) => r.path).sort()).toEqual(['/api', '/apis']);
    fresh.close();
  });

  it('reaches a PodDisruptionBudget recorded as policy/v1beta1 through the preferred version', async () => {
    expect(await cluster.client.resourceForGroupKind('policy', 'PodDisruptionBudget')).toMatchObject({ apiVersion: 'policy/v1' });
  });

  it('reads the OpenAPI v3 document of a built-in group version and of a CRD once it is established', async () => {
    const apps = await cluster.client.openApiV3('apps/v1');
    expect(Object.keys((apps?.components as { schemas: Record<string, unknown> }).schemas)).toContain('io.k8s.api.apps.v1.Deployment');
    const ns = await cluster.newNamespace('openapi');
    const group = `${ns}.example.com`;
    await cluster.client.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `gadgets.${group}` },
      spec: { group, scope: 'Namespaced', names: { kind: 'Gadget', plural: 'gadgets' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port'], items: { type: 'object', required: ['port'], properties: { port: { type: 'integer' } } } } } } } } } }] },
    });
    const document = await eventually(async () => {
      cluster.client.invalidateDiscovery();
      return cluster.client.openApiV3(`${group}/v1`);
    });
    expect(JSON.stringify(document)).toContain('"x-kubernetes-list-map-keys":["port"]');
  });

  it('lists Secrets as metadata only', async () => {
    const ns = await cluster.newNamespace('meta');
    await cluster.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'big', namespace: ns, annotations: { summary: 'kept' } }, data: { payload: Buffer.from('x'.repeat(5000)).toString('base64') } });
    expect(await cluster.client.listMetadata('v1', 'Secret', { namespace: ns })).toEqual([{ apiVersion: 'v1', kind: 'Secret', metadata: expect.objectContaining({ name: 'big', annotations: { summary: 'kept' } }) }]);
  });
});

describe.skipIf(simOnly.skip)('against a cluster that answers as 1.19', () => {
  it('falls back to per-group discovery documents and has no OpenAPI v3; a misspelt field is dropped without a word, as 1.19 does', async () => {
    const sim = await startKubeSim({ version: '1.19' });
    const old = KubeClient.fromConfig({ kubeconfig: sim.kubeconfigPath });
    expect((await old.apiGroups()).find((g) => g.name === 'policy')).toMatchObject({ preferredVersion: 'v1beta1' });
    expect(await old.resourceFor('policy/v1beta1', 'PodDisruptionBudget')).toMatchObject({ name: 'poddisruptionbudgets' });
    expect(await old.openApiV3('apps/v1')).toBeUndefined();
    expect(sim.requests.map((r) => r.path).sort()).toEqual(['/api', '/apis', '/apis/policy/v1beta1', '/openapi/v3']);
    // 1.19 ignores fieldValidation and warns of nothing: the misspelt field is dropped unseen.
    const warnings: ApiWarning[] = [];
    old.onWarning = (w) => warnings.push(w);
    const created = await old.create(deployment('default', { imagePullPolice: 'Always' }));
    expect(JSON.stringify(created)).not.toContain('imagePullPolice');
    expect(warnings).toEqual([]);
    old.close();
    await sim.stop();
  });
});
