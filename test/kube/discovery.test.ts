import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, UnknownKindError } from '../../src/kube/index.js';
import { simOnly, startTestCluster, type TestCluster } from '../support/cluster.js';
import { aggregatedDiscoveryExchanges, discoveryExchanges, fixture, startReplayServer, type RecordedExchange, type ReplayServer } from '../support/replay-server.js';

let replay: ReplayServer | undefined;
let client: KubeClient | undefined;
afterEach(async () => {
  client?.close();
  await replay?.stop();
  replay = client = undefined;
});
const replaying = async (exchanges: RecordedExchange[]) => {
  replay = await startReplayServer(exchanges);
  client = KubeClient.fromConfig({ kubeconfig: replay.kubeconfigPath, retry: { maxRetries: 0 } });
  return client;
};
const on132 = () => replaying([...aggregatedDiscoveryExchanges(), ...discoveryExchanges('1.32'), fixture('1.32', 'case-version')]);
const paths = () => replay!.requests.map((r) => r.path);
const summary = (resource: { apiVersion: string; kind: string; name: string; namespaced: boolean }) => `${resource.apiVersion} ${resource.kind} ${resource.name} ${resource.namespaced ? 'Namespaced' : 'Cluster'}`;

describe('discovery on a server with aggregated discovery (1.32)', () => {
  it('lists every group, version and resource in two requests', async () => {
    const kube = await on132();
    const resources = (await kube.listResources()).map(summary);
    expect(resources).toEqual(
      expect.arrayContaining([
        'v1 ConfigMap configmaps Namespaced',
        'v1 Namespace namespaces Cluster',
        'apps/v1 Deployment deployments Namespaced',
        'autoscaling/v2 HorizontalPodAutoscaler horizontalpodautoscalers Namespaced',
        'autoscaling/v1 HorizontalPodAutoscaler horizontalpodautoscalers Namespaced',
        'apiextensions.k8s.io/v1 CustomResourceDefinition customresourcedefinitions Cluster',
        'ferry.dev/v1alpha1 GitSync gitsyncs Namespaced',
      ]),
    );
    expect(resources.some((resource) => resource.startsWith('policy/v1beta1'))).toBe(false);
    expect(paths().sort()).toEqual(['/api', '/apis']);
    expect(replay!.requests.every((r) => r.headers.accept?.startsWith('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'))).toBe(true);
  });

  it('resolves kinds and subresources from that listing without further requests', async () => {
    const kube = await on132();
    expect(await kube.resourceFor('apps/v1', 'Deployment')).toEqual({
      group: 'apps',
      version: 'v1',
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'deployments',
      namespaced: true,
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      subresources: ['scale', 'status'],
    });
    expect(await kube.isNamespaced('v1', 'Namespace')).toBe(false);
    expect(paths().sort()).toEqual(['/api', '/apis']);
  });

  it('names each group’s preferred version: the first the server lists', async () => {
    const kube = await on132();
    const groups = await kube.apiGroups();
    expect(groups[0]).toEqual({ name: '', preferredVersion: 'v1', versions: ['v1'] });
    expect(groups.find((group) => group.name === 'autoscaling')).toEqual({ name: 'autoscaling', preferredVersion: 'v2', versions: ['v2', 'v1'] });
  });

  it('reaches a kind recorded at a version no longer served through the preferred version', async () => {
    const kube = await on132();
    expect(await kube.resourceForGroupKind('policy', 'PodDisruptionBudget')).toMatchObject({ apiVersion: 'policy/v1', name: 'poddisruptionbudgets' });
    expect(await kube.resourceForGroupKind('autoscaling', 'HorizontalPodAutoscaler')).toMatchObject({ apiVersion: 'autoscaling/v2' });
    expect(await kube.resourceForGroupKind('', 'ConfigMap')).toMatchObject({ apiVersion: 'v1' });
    await expect(kube.resourceFor('policy/v1beta1', 'PodDisruptionBudget')).rejects.toBeInstanceOf(UnknownKindError);
    await expect(kube.resourceForGroupKind('policy', 'PodSecurityPolicy')).rejects.toMatchObject({
      code: 'KUBE_UNKNOWN_KIND',
      message: 'the server serves no kind PodSecurityPolicy in the API group "policy" at any version',
    });
  });

  it('looks a kind the listing lacks up once more in its group version’s document (a CRD just established)', async () => {
    const kube = await on132();
    await expect(kube.resourceFor('gadgets.example.com/v1', 'Gadget')).rejects.toMatchObject({ code: 'KUBE_UNKNOWN_KIND' });
    expect(paths().filter((path) => path.startsWith('/apis/'))).toEqual(['/apis/gadgets.example.com/v1']);
  });

  it('reads the server version once, and again after discovery is invalidated', async () => {
    const kube = await on132();
    expect(await kube.serverVersion()).toMatchObject({ major: '1', minor: '32', gitVersion: 'v1.32.13', platform: 'linux/amd64' });
    await kube.serverVersion();
    kube.invalidateDiscovery();
    await kube.serverVersion();
    expect(paths().filter((path) => path === '/version')).toHaveLength(2);
  });

  it('takes aggregated /apis beside a classic /api answer', async () => {
    const kube = await replaying([aggregatedDiscoveryExchanges()[1] as RecordedExchange, ...discoveryExchanges('1.32')]);
    expect((await kube.listResources()).map(summary)).toEqual(expect.arrayContaining(['v1 ConfigMap configmaps Namespaced', 'apps/v1 Deployment deployments Namespaced']));
    expect(paths().sort()).toEqual(['/api', '/api/v1', '/apis']);
  });
});

describe('discovery on a server without aggregated discovery (1.19)', () => {
  it('reads the groups from /apis and each group version’s document on first use', async () => {
    const kube = await replaying(discoveryExchanges('1.19'));
    expect(await kube.resourceFor('apps/v1', 'Deployment')).toMatchObject({ name: 'deployments', namespaced: true, subresources: expect.arrayContaining(['scale', 'status']) });
    expect(paths().sort()).toEqual(['/api', '/apis', '/apis/apps/v1']);
    expect((await kube.apiGroups()).find((group) => group.name === 'policy')).toEqual({ name: 'policy', preferredVersion: 'v1beta1', versions: ['v1beta1'] });
    expect(await kube.resourceForGroupKind('apps', 'Deployment')).toMatchObject({ apiVersion: 'apps/v1' });
  });
});

describe('discovery against the cluster', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => cluster.stop());

  it('lists every resource with its scope, and each group’s preferred version', async () => {
    const resources = (await cluster.client.listResources()).map(summary);
    expect(resources).toEqual(expect.arrayContaining(['v1 ConfigMap configmaps Namespaced', 'v1 Namespace namespaces Cluster', 'apps/v1 Deployment deployments Namespaced', 'rbac.authorization.k8s.io/v1 ClusterRole clusterroles Cluster']));
    expect((await cluster.client.apiGroups()).find((group) => group.name === 'apps')).toMatchObject({ preferredVersion: 'v1' });
  });

  it.skipIf(simOnly.skip)('needs no discovery request once everything was listed', async () => {
    const fresh = KubeClient.fromConfig({ kubeconfig: cluster.kubeconfigPath });
    await fresh.listResources();
    cluster.sim!.resetRequests();
    await fresh.resourceFor('apps/v1', 'Deployment');
    await fresh.resourceFor('batch/v1', 'Job');
    expect(cluster.sim!.countRequests({ verb: 'discovery' })).toBe(0);
    fresh.close();
  });
});
