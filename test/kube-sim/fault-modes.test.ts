import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/kube/index.js';
import type { KubeObject } from '../../src/objects.js';
import { eventually } from '../support/cluster.js';
import { startKubeSim, type KubeSim } from '../support/kube-sim/index.js';

/**
 * Conditions real clusters have and the default simulator does not: storage that binds a claim
 * only once a pod needs it, and a controller writing status beside every client.
 */
const claim = (name: string, namespace: string, storageClassName?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...(storageClassName ? { storageClassName } : {}) },
});
const mounting = (name: string, namespace: string, claimName: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'nginx:1' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] } },
  },
});

describe('a WaitForFirstConsumer storage class', () => {
  let sim: KubeSim;
  let client: KubeClient;
  beforeAll(async () => {
    sim = await startKubeSim({
      controllerDelayMs: 10,
      storageClasses: [
        { name: 'standard', volumeBindingMode: 'WaitForFirstConsumer', default: true },
        { name: 'fast', volumeBindingMode: 'Immediate' },
      ],
    });
    client = KubeClient.fromConfig({ kubeconfig: sim.kubeconfigPath });
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'wffc' } });
  });
  afterAll(async () => {
    client.close();
    await sim.stop();
  });
  const phase = async (name: string) => ((await client.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'wffc', name })).status as { phase: string }).phase;

  it('exists as a StorageClass, marked as the default', async () => {
    const standard = await client.get({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name: 'standard' });
    expect(standard).toMatchObject({ volumeBindingMode: 'WaitForFirstConsumer', metadata: { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } });
  });

  it('keeps a claim Pending until a workload mounts it, then binds it', async () => {
    const created = await client.create(claim('data', 'wffc'));
    expect(created.spec).toMatchObject({ storageClassName: 'standard' });
    // An Immediate claim created after it binds while this one still waits.
    await client.create(claim('other', 'wffc', 'fast'));
    await eventually(async () => (await phase('other')) === 'Bound');
    expect(await phase('data')).toBe('Pending');
    await client.create(mounting('db', 'wffc', 'data'));
    await eventually(async () => (await phase('data')) === 'Bound');
    const bound = await client.get({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'wffc', name: 'data' });
    expect(bound.spec).toMatchObject({ volumeName: `pvc-${bound.metadata.uid}` });
    expect(bound.metadata.annotations).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes' });
  });

  it('leaves the workload unavailable while its claim is Pending', async () => {
    await client.create(mounting('early', 'wffc', 'later'));
    await eventually(async () => ((await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'wffc', name: 'early' })).status as any)?.observedGeneration === 1);
    expect(((await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'wffc', name: 'early' })).status as any).availableReplicas).toBeUndefined();
    // The claim appears after its consumer: it binds, and the pods start.
    await client.create(claim('later', 'wffc'));
    await eventually(async () => ((await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'wffc', name: 'early' })).status as any)?.availableReplicas === 1);
  });

  it('keeps a claim of a class the cluster lacks Pending', async () => {
    await client.create(claim('nowhere', 'wffc', 'missing'));
    await client.create(mounting('consumer', 'wffc', 'nowhere'));
    await client.create(claim('marker', 'wffc', 'fast'));
    await eventually(async () => (await phase('marker')) === 'Bound');
    expect(await phase('nowhere')).toBe('Pending');
  });
});

describe('a controller writing status concurrently', () => {
  let sim: KubeSim;
  let client: KubeClient;
  beforeAll(async () => {
    sim = await startKubeSim({ controllerDelayMs: 10, concurrentStatusWrites: true });
    client = KubeClient.fromConfig({ kubeconfig: sim.kubeconfigPath });
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'busy' } });
  });
  afterAll(async () => {
    client.close();
    await sim.stop();
  });
  const web = mounting('web', 'busy', 'none');
  delete (web.spec as any).template.spec.volumes;

  it('writes status right after every write, so the written version is stale at once', async () => {
    const created = await client.create(web);
    const live = sim.getObject('apps/v1', 'Deployment', 'web', 'busy') as KubeObject;
    expect(Number(live.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    expect((live.status as any).conditions).toContainEqual(expect.objectContaining({ type: 'SimulatedStatusWrite', status: 'True' }));
    expect((live.metadata.managedFields as any[]).map((entry) => [entry.manager, entry.subresource])).toContainEqual(['status-writer', 'status']);
  });

  it('writes status right after every list, so a patch guarded by the listed version conflicts', async () => {
    // The rollout settles on its own a moment after the create; wait for it (read from the store,
    // not the server, so the wait itself prompts no status write) lest it land after the GET below.
    await eventually(() => (sim.getObject('apps/v1', 'Deployment', 'web', 'busy')?.status as any)?.availableReplicas === 1);
    const [listed] = (await client.listPage('apps/v1', 'Deployment', { namespace: 'busy' })).items as KubeObject[];
    const guarded = [
      { op: 'test' as const, path: '/metadata/resourceVersion', value: listed?.metadata.resourceVersion },
      { op: 'replace' as const, path: '/spec/replicas', value: 2 },
    ];
    await expect(client.jsonPatch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'busy', name: 'web' }, guarded, { dryRun: true })).rejects.toMatchObject({ code: 'KUBE_INVALID' });
    // A fresh read (a GET) is not followed by a write: a patch guarded by it goes through.
    const fresh = await client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'busy', name: 'web' });
    const patched = await client.jsonPatch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'busy', name: 'web' }, [{ ...guarded[0], value: fresh.metadata.resourceVersion } as any, guarded[1] as any]);
    expect(patched.spec).toMatchObject({ replicas: 2 });
  });

  it('leaves objects without a status subresource alone', async () => {
    const created = await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain', namespace: 'busy' }, data: { a: '1' } });
    expect(sim.getObject('v1', 'ConfigMap', 'plain', 'busy')?.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
  });
});
