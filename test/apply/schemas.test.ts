import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { refOf } from '../../src/objects.js';
import { applyObjects, type ApplyRequest } from '../../src/apply/index.js';
import { eventually, simOnly, startTestCluster, type TestCluster } from '../support/cluster.js';
import { configMap, deployment, widget } from './manifests.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 20, crdEstablishDelayMs: 30 });
});
afterAll(() => cluster.stop());

const apply = (ns: string, desired: KubeObject[], base: KubeObject[], extra: Partial<ApplyRequest> = {}) =>
  applyObjects(cluster.client, { sync: `${ns}.app`, desired, base, pollIntervalMs: 20, dependencyTimeoutMs: 10_000, ...extra });

/** A CRD whose Widgets hold `spec.rules`, merged as the schema says: atomic, or a map keyed by `name`. */
const rulesCrd = (group: string, keyed: boolean): KubeObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
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
                  rules: {
                    type: 'array',
                    ...(keyed ? { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] } : {}),
                    items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, weight: { type: 'integer' } } },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
});

describe.skipIf(simOnly.skip)('schemas for the diff, fetched once and kept', () => {
  it('an unchanged revision with custom resources reads no CRD and no OpenAPI document again', async () => {
    const ns = await cluster.newNamespace('schemas');
    const group = `${ns}.example.com`;
    // The CRD comes from elsewhere (another GitSync, a Helm install); this sync has its resources.
    expect((await apply(ns, [rulesCrd(group, true)], [], { sync: `${ns}.crds` })).error).toBeUndefined();
    await eventually(async () => ((await cluster.client.get(refOf(rulesCrd(group, true)))).status as any)?.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True'));
    const objects = [widget(group, ns, 'w1', { rules: [{ name: 'a', weight: 1 }] }), deployment(ns, 'web'), configMap(ns, 'settings', { MODE: 'a' })];
    expect((await apply(ns, objects, [])).error).toBeUndefined();
    await apply(ns, objects, objects, { diffOnly: true });
    cluster.sim!.resetRequests();
    const again = await apply(ns, objects, objects, { diffOnly: true });
    expect(again.entries.map((entry) => entry.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(cluster.sim!.countRequests({ verb: 'get', resource: 'customresourcedefinitions' })).toBe(0);
    expect(cluster.sim!.requests.filter((request) => request.path.startsWith('/openapi/'))).toEqual([]);
  });

  it('merges a built-in kind by the server’s OpenAPI document, fetched once per group version', async () => {
    const ns = await cluster.newNamespace('schemas');
    cluster.client.invalidateDiscovery();
    cluster.sim!.resetRequests();
    await apply(ns, [deployment(ns, 'web'), deployment(ns, 'api'), configMap(ns, 'settings', { MODE: 'a' })], []);
    const documents = cluster.sim!.requests.filter((request) => request.path.startsWith('/openapi/v3/')).map((request) => request.path).sort();
    expect(documents).toEqual(['/openapi/v3/api/v1', '/openapi/v3/apis/apps/v1']);
  });

  it('a CRD whose schema changed on the cluster is merged by its new schema on the next apply', async () => {
    const ns = await cluster.newNamespace('schemas');
    const group = `${ns}.example.com`;
    const w1 = widget(group, ns, 'w1', { rules: [{ name: 'a', weight: 1 }] });
    await apply(ns, [rulesCrd(group, false), w1], []);
    // Someone adds a rule by hand.
    cluster.sim!.mutateObject(`${group}/v1`, 'Widget', 'w1', ns, (object) => {
      object.spec.rules.push({ name: 'b', weight: 2 });
    });
    // An atomic list: Git's list replaces theirs.
    expect((await apply(ns, [w1], [w1], { diffOnly: true })).entries[0]?.action).toBe('configured');
    // The CRD now says the list is a map keyed by name: their rule is theirs to keep.
    const crd = await cluster.client.get(refOf(rulesCrd(group, false)));
    await cluster.client.jsonPatch(refOf(crd), [{ op: 'replace', path: '/spec', value: rulesCrd(group, true).spec }]);
    expect((await apply(ns, [w1], [w1], { diffOnly: true })).entries[0]?.action).toBe('unchanged');
  });

  it('on a server without OpenAPI v3 (1.19) merges by the built-in table and keeps working', async () => {
    const old = await startTestCluster({ version: '1.19', controllerDelayMs: 20 });
    try {
      const ns = await old.newNamespace('schemas');
      const v1 = deployment(ns, 'web', { image: 'nginx:1.26' });
      expect((await applyObjects(old.client, { sync: `${ns}.app`, desired: [v1], base: [], pollIntervalMs: 20 })).error).toBeUndefined();
      const v2 = deployment(ns, 'web', { image: 'nginx:1.27' });
      const result = await applyObjects(old.client, { sync: `${ns}.app`, desired: [v2], base: [v1], pollIntervalMs: 20 });
      expect(result.entries.map((entry) => entry.action)).toEqual(['configured']);
    } finally {
      await old.stop();
    }
  });
});
