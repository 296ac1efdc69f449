import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.js';
import type { KubeObject } from '../../src/objects.js';
import { eventually, simOnly, startTestCluster, type TestCluster } from '../support/cluster.js';
import { startKubeSim } from '../support/kube-sim/index.js';

let cluster: TestCluster;
let client: KubeClient;
beforeAll(async () => {
  cluster = await startTestCluster({ crdEstablishDelayMs: 150 });
  client = cluster.client;
});
afterAll(async () => {
  await cluster.stop();
});

const configMap = (namespace: string, name: string, data: Record<string, string> = { a: '1' }, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, ...(labels ? { labels } : {}) },
  data,
});

describe('KubeClient against the API', () => {
  it('creates, gets and lists objects as raw JSON, fields intact', async () => {
    const ns = await cluster.newNamespace();
    const created = await client.create(configMap(ns, 'a'));
    expect(created.metadata.uid).toBeTruthy();
    const fetched = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'a' });
    expect(fetched).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { a: '1' } });
    expect(typeof fetched.metadata.creationTimestamp).toBe('string');
    const listed = await client.list('v1', 'ConfigMap', { namespace: ns });
    expect(listed.map((o) => [o.kind, o.apiVersion, o.metadata.name])).toContainEqual(['ConfigMap', 'v1', 'a']);
  });

  it('selects by label and pages through long lists with limit and continue', async () => {
    const ns = await cluster.newNamespace();
    for (let i = 0; i < 7; i++) await client.create(configMap(ns, `cm-${i}`, { i: String(i) }, { tier: i % 2 ? 'odd' : 'even' }));
    expect((await client.list('v1', 'ConfigMap', { namespace: ns, labelSelector: 'tier=odd' })).map((o) => o.metadata.name)).toEqual(['cm-1', 'cm-3', 'cm-5']);
    const first = await client.listPage('v1', 'ConfigMap', { namespace: ns, labelSelector: 'tier in (odd,even)', limit: 3 });
    expect(first.items).toHaveLength(3);
    expect(first.continue).toBeTruthy();
    const all = await client.list('v1', 'ConfigMap', { namespace: ns, labelSelector: 'tier', limit: 3 });
    expect(all.map((o) => o.metadata.name)).toEqual(['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4', 'cm-5', 'cm-6']);
  });

  it('dry-runs creates and patches without storing anything', async () => {
    const ns = await cluster.newNamespace();
    const dry = await client.create(configMap(ns, 'dry'), { dryRun: true });
    expect(dry.metadata.name).toBe('dry');
    expect(await client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'dry' })).toBeNull();
    const live = await client.create(configMap(ns, 'real'));
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'real' };
    const patched = await client.jsonPatch(ref, [{ op: 'replace', path: '/data/a', value: '2' }], { dryRun: true });
    expect(patched.data).toEqual({ a: '2' });
    expect((await client.get(ref)).metadata.resourceVersion).toBe(live.metadata.resourceVersion);
  });

  it('applies JSON patches guarded by a resourceVersion test, and reports a stale one as a test failure', async () => {
    const ns = await cluster.newNamespace();
    const live = await client.create(configMap(ns, 'guarded'));
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'guarded' };
    const patched = await client.jsonPatch(ref, [{ op: 'test', path: '/metadata/resourceVersion', value: live.metadata.resourceVersion }, { op: 'add', path: '/data/b', value: '2' }]);
    expect(patched.data).toEqual({ a: '1', b: '2' });
    const stale = await client.jsonPatch(ref, [{ op: 'test', path: '/metadata/resourceVersion', value: live.metadata.resourceVersion }, { op: 'add', path: '/data/c', value: '3' }]).catch((e: unknown) => e);
    expect(stale).toMatchObject({ code: 'KUBE_INVALID', status: 422 });
    const { isPatchTestFailure } = await import('../../src/kube/index.js');
    expect(isPatchTestFailure(stale)).toBe(true);
  });

  it('merge-patches (null deletes), replaces with a resourceVersion precondition, and deletes', async () => {
    const ns = await cluster.newNamespace();
    const live = await client.create(configMap(ns, 'm', { a: '1', b: '2' }));
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'm' };
    expect((await client.mergePatch(ref, { data: { a: null, c: '3' } })).data).toEqual({ b: '2', c: '3' });
    await expect(client.replace({ ...live, data: { z: '1' } })).rejects.toMatchObject({ code: 'KUBE_CONFLICT' });
    await client.delete(ref, { propagationPolicy: 'Background' });
    await eventually(async () => (await client.getOrNull(ref)) === null);
    await expect(client.delete(ref)).rejects.toMatchObject({ code: 'KUBE_NOT_FOUND', message: `ConfigMap/${ns}/m: not found` });
  });

  it('deletes only the version it names (a resourceVersion precondition), refusing a changed object with a conflict', async () => {
    const ns = await cluster.newNamespace();
    const first = await client.create(configMap(ns, 'pre', { a: '1' }));
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'pre' };
    const second = await client.replace({ ...first, data: { a: '2' } });
    await expect(client.delete(ref, { preconditionResourceVersion: first.metadata.resourceVersion! })).rejects.toMatchObject({ code: 'KUBE_CONFLICT' });
    expect((await client.get(ref)).data).toEqual({ a: '2' });
    await client.delete(ref, { preconditionResourceVersion: second.metadata.resourceVersion! });
    await eventually(async () => (await client.getOrNull(ref)) === null);
  });

  it('reads the status subresource', async () => {
    const ns = await cluster.newNamespace();
    await client.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } } },
    });
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' };
    const status = await eventually(async () => ((await client.getStatus(ref)).status as { availableReplicas?: number } | undefined)?.availableReplicas === 1);
    expect(status).toBe(true);
  });

  it('turns every API refusal into a typed error naming the object', async () => {
    const ns = await cluster.newNamespace();
    await client.create(configMap(ns, 'dup'));
    await expect(client.create(configMap(ns, 'dup'))).rejects.toMatchObject({ code: 'KUBE_ALREADY_EXISTS', message: `ConfigMap/${ns}/dup: already exists` });
    await expect(client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'ghost' })).rejects.toMatchObject({ code: 'KUBE_NOT_FOUND' });
    await expect(client.create(configMap(ns, 'Bad_Name'))).rejects.toMatchObject({ code: 'KUBE_INVALID', causes: [{ field: 'metadata.name' }] });
    await expect(client.create(configMap('no-such-namespace', 'x'))).rejects.toMatchObject({ code: 'KUBE_NOT_FOUND' });
    await expect(client.resourceFor('example.com/v1', 'Gadget')).rejects.toMatchObject({ code: 'KUBE_UNKNOWN_KIND', message: 'the server has no kind Gadget in example.com/v1; is its CustomResourceDefinition installed?' });
  });

  it('finds a custom resource kind once its CRD is Established, with cached discovery', async () => {
    const ns = await cluster.newNamespace();
    const group = `${ns}.example.com`;
    await client.create({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `gadgets.${group}` },
      spec: { group, scope: 'Namespaced', names: { kind: 'Gadget', plural: 'gadgets' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
    });
    await expect(client.resourceFor(`${group}/v1`, 'Gadget')).rejects.toMatchObject({ code: 'KUBE_UNKNOWN_KIND' });
    const resource = await eventually(() => client.resourceFor(`${group}/v1`, 'Gadget'));
    expect(resource).toMatchObject({ name: 'gadgets', namespaced: true, kind: 'Gadget' });
    const created = await client.create({ apiVersion: `${group}/v1`, kind: 'Gadget', metadata: { name: 'g', namespace: ns }, spec: { custom: { field: [1, 2] } } } as KubeObject);
    expect(created.spec).toEqual({ custom: { field: [1, 2] } });
    if (cluster.sim) {
      cluster.sim.resetRequests();
      await client.get({ apiVersion: `${group}/v1`, kind: 'Gadget', namespace: ns, name: 'g' });
      expect(cluster.sim.countRequests({ verb: 'discovery' })).toBe(0);
    }
  });
});

describe.skipIf(simOnly.skip)('KubeClient under faults (simulator only)', () => {
  it('retries injected 429 (honouring Retry-After) and 503 on reads', async () => {
    const ns = await cluster.newNamespace();
    const sim = cluster.sim!;
    sim.injectFault({ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps`, status: 429, retryAfterSeconds: 0, count: 2 });
    sim.injectFault({ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps`, status: 503, count: 1 });
    sim.resetRequests();
    await client.list('v1', 'ConfigMap', { namespace: ns });
    expect(sim.countRequests({ verb: 'list', resource: 'configmaps' })).toBe(4);
  });

  it('asks for strict field validation on every write and dry run', async () => {
    const ns = await cluster.newNamespace();
    const sim = cluster.sim!;
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'strict' };
    sim.resetRequests();
    await client.create(configMap(ns, 'strict'), { dryRun: true });
    const live = await client.create(configMap(ns, 'strict'));
    await client.jsonPatch(ref, [{ op: 'add', path: '/data/b', value: '2' }]);
    await client.mergePatch(ref, { data: { c: '3' } }, { dryRun: true });
    await client.replace({ ...(await client.get(ref)), data: { d: '4' } });
    await client.create(configMap(ns, 'lenient'), { fieldValidation: 'Warn' });
    const writes = sim.requests.filter((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.query.fieldValidation}${r.query.dryRun ? ' dry' : ''}`)).toEqual(['POST Strict dry', 'POST Strict', 'PATCH Strict', 'PATCH Strict dry', 'PUT Strict', 'POST Warn']);
    expect(live.metadata.name).toBe('strict');
  });

  it('retries a create refused with 503, but not one whose connection dropped', async () => {
    const ns = await cluster.newNamespace();
    const sim = cluster.sim!;
    sim.injectFault({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, status: 503, count: 1 });
    await client.create(configMap(ns, 'retried'));
    sim.injectFault({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, drop: true, count: 1 });
    sim.resetRequests();
    await expect(client.create(configMap(ns, 'dropped'))).rejects.toMatchObject({ code: 'KUBE_NETWORK' });
    expect(sim.countRequests({ method: 'POST' })).toBe(1);
  });

  it('never has more requests in flight than its bound', async () => {
    const ns = await cluster.newNamespace();
    const sim = cluster.sim!;
    const bounded = KubeClient.fromConfig({ kubeconfig: cluster.kubeconfigPath, maxConcurrent: 3 });
    sim.injectFault({ method: 'GET', path: `/api/v1/namespaces/${ns}/configmaps`, latencyMs: 30, count: 20 });
    await Promise.all(Array.from({ length: 12 }, () => bounded.list('v1', 'ConfigMap', { namespace: ns })));
    expect(bounded.peakConcurrency).toBe(3);
    bounded.close();
  });

  it('reports forbidden calls clearly', async () => {
    const sim = await startKubeSim({ forbidden: [{ verb: 'list', resource: 'secrets' }] });
    const limited = KubeClient.fromConfig({ kubeconfig: sim.kubeconfigPath });
    await expect(limited.list('v1', 'Secret', { namespace: 'default' })).rejects.toMatchObject({ code: 'KUBE_FORBIDDEN', message: expect.stringContaining('cannot list resource "secrets"') });
    limited.close();
    await sim.stop();
  });
});

describe('configuration and credentials', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-kubeconfig-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('speaks HTTPS with the kubeconfig’s CA', async () => {
    const sim = await startKubeSim({ tls: true });
    const secure = KubeClient.fromConfig({ kubeconfig: sim.kubeconfigPath });
    expect((await secure.serverVersion()).gitVersion).toMatch(/^v1\./);
    secure.close();
    await sim.stop();
  });

  it('authenticates with an exec credential plugin, as EKS does with aws eks get-token', async () => {
    const sim = await startKubeSim({ token: 'token-from-exec-plugin' });
    const plugin = fileURLToPath(new URL('../support/exec-plugin/exec-credential.mjs', import.meta.url));
    const kubeconfig = (mode: string) =>
      sim.kubeconfigYaml.replace('    token: token-from-exec-plugin', `    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: ${process.execPath}\n      args: [${plugin}, token-from-exec-plugin${mode ? `, ${mode}` : ''}]\n      interactiveMode: Never`);
    writeFileSync(join(dir, 'exec'), kubeconfig(''));
    const viaExec = KubeClient.fromConfig({ kubeconfig: join(dir, 'exec') });
    expect((await viaExec.list('v1', 'Namespace')).length).toBeGreaterThan(0);
    viaExec.close();
    writeFileSync(join(dir, 'exec-fail'), kubeconfig('fail'));
    const failing = KubeClient.fromConfig({ kubeconfig: join(dir, 'exec-fail') });
    await expect(failing.list('v1', 'Namespace')).rejects.toMatchObject({
      code: 'KUBE_EXEC_PLUGIN',
      message: expect.stringMatching(/exec credential plugin ".*exec-credential.mjs token-from-exec-plugin fail" failed: could not get token: the security token included in the request is expired/),
    });
    await sim.stop();
  });

  it('says which contexts exist when --context names a missing one', async () => {
    const sim = await startKubeSim();
    expect(() => loadKubeConfig({ kubeconfig: sim.kubeconfigPath, context: 'prod' })).toThrow('context "prod" not found in the kubeconfig (available: sim)');
    await sim.stop();
  });

  it('merges KUBECONFIG files like kubectl, the first file’s current context winning', async () => {
    const a = await startKubeSim();
    const b = await startKubeSim();
    const second = b.kubeconfigYaml.replace(/name: sim/g, 'name: other').replace(/cluster: sim/g, 'cluster: other').replace(/user: sim/g, 'user: other').replace('current-context: sim', 'current-context: other');
    writeFileSync(join(dir, 'second'), second);
    const config = loadKubeConfig({}, { ...process.env, KUBECONFIG: `${a.kubeconfigPath}:${join(dir, 'second')}` });
    expect(config.getCurrentContext()).toBe('sim');
    expect(config.getContexts().map((c) => c.name).sort()).toEqual(['other', 'sim']);
    await a.stop();
    await b.stop();
  });

  it('refuses a missing kubeconfig file with a clear message', () => {
    expect(() => loadKubeConfig({ kubeconfig: join(dir, 'nope') })).toThrow(`kubeconfig ${join(dir, 'nope')} does not exist`);
  });

  it('reports an unreachable API server as a network error', async () => {
    const sim = await startKubeSim();
    const offline = KubeClient.fromConfig({ kubeconfig: sim.kubeconfigPath, retry: { maxRetries: 1, baseDelayMs: 1 } });
    await sim.stop();
    await expect(offline.list('v1', 'Namespace')).rejects.toMatchObject({ code: 'KUBE_NETWORK', message: expect.stringContaining('cannot reach the Kubernetes API at http://127.0.0.1:') });
  });
});
