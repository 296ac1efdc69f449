import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatRef, refOf } from '../../src/objects.js';
import { clusterFactsFromDiscovery, renderManifests, type ClusterFacts } from '../../src/render/index.js';
import { eventually, startTestCluster, type TestCluster } from '../support/cluster.js';
import { treeOf } from './support.js';

const clusterIssuer = 'apiVersion: certs.example.dev/v1\nkind: ClusterIssuer\nmetadata:\n  name: letsencrypt\n  namespace: team-a\nspec: {}\n';
const policy = 'apiVersion: policy.example.dev/v1\nkind: ClusterPolicy\nmetadata:\n  name: require-labels\nspec: {}\n';
const crd = (group: string, kind: string, plural: string, scope: 'Cluster' | 'Namespaced') =>
  `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: ${plural}.${group}\nspec:\n  group: ${group}\n  names: {kind: ${kind}, plural: ${plural}}\n  scope: ${scope}\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}\n`;
const namespace = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n';

const keys = async (files: Record<string, string>, cluster?: ClusterFacts) =>
  (await renderManifests({ tree: treeOf(files), ...(cluster ? { cluster } : {}) })).objects.map((o) => formatRef(refOf(o.object))).sort();

describe('the scope of a kind comes from the cluster, before any object key is computed', () => {
  it('a cluster-scoped custom resource whose CRD is installed gets no namespace', async () => {
    const cluster: ClusterFacts = { scopeOf: (_apiVersion, kind) => (kind === 'ClusterIssuer' || kind === 'ClusterPolicy' ? 'Cluster' : 'Namespaced') };
    expect(await keys({ 'issuer.yaml': clusterIssuer, 'policy.yaml': policy }, cluster)).toEqual(['ClusterIssuer/letsencrypt', 'ClusterPolicy/require-labels']);
    // Without the cluster there is no way to know: the fallback puts them in a namespace.
    expect(await keys({ 'issuer.yaml': clusterIssuer, 'policy.yaml': policy })).toEqual(['ClusterIssuer/team-a/letsencrypt', 'ClusterPolicy/default/require-labels']);
  });

  it('a CRD in the same render says it first; the built-in table answers what the cluster does not serve', async () => {
    const cluster: ClusterFacts = { scopeOf: () => undefined };
    expect(await keys({ 'crd.yaml': crd('certs.example.dev', 'ClusterIssuer', 'clusterissuers', 'Cluster'), 'issuer.yaml': clusterIssuer, 'ns.yaml': namespace }, cluster)).toEqual([
      'ClusterIssuer/letsencrypt',
      'CustomResourceDefinition/clusterissuers.certs.example.dev',
      'Namespace/team-a',
    ]);
  });

  it('asks the cluster each kind once per render', async () => {
    const asked: string[] = [];
    const cluster: ClusterFacts = { scopeOf: (apiVersion, kind) => (asked.push(`${apiVersion} ${kind}`), 'Namespaced') };
    await keys({ 'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n', 'ns.yaml': namespace }, cluster);
    expect(asked.sort()).toEqual(['v1 ConfigMap', 'v1 Namespace']);
  });
});

describe('cluster facts from discovery (the API simulator)', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('answer with the scope the server serves, and with nothing for a kind it does not serve', async () => {
    await cluster.client.create(parse(crd('scope-test.example.dev', 'ClusterThing', 'clusterthings', 'Cluster')));
    await eventually(() => cluster.client.resourceFor('scope-test.example.dev/v1', 'ClusterThing'));
    const facts = clusterFactsFromDiscovery(cluster.client);
    expect(await facts.scopeOf('scope-test.example.dev/v1', 'ClusterThing')).toBe('Cluster');
    expect(await facts.scopeOf('v1', 'ConfigMap')).toBe('Namespaced');
    expect(await facts.scopeOf('rbac.authorization.k8s.io/v1', 'ClusterRole')).toBe('Cluster');
    expect(await facts.scopeOf('scope-test.example.dev/v1', 'NotInstalled')).toBeUndefined();
    expect(await facts.scopeOf('nowhere.example.dev/v1', 'Thing')).toBeUndefined();
  });
});
