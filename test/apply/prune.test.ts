import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { formatRef, refOf } from '../../src/objects.js';
import { applyObjects, pruneObjects, type PruneRequest } from '../../src/apply/index.js';
import { HistoryStore } from '../../src/history/index.js';
import { DEFAULT_SETTINGS, reconcile, settingsFromGitSync, type SyncSettings } from '../../src/sync/index.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { claim, configMap, deployment, namespace, widget, widgetCrd } from './manifests.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 20, crdEstablishDelayMs: 40 });
});
afterAll(() => cluster.stop());

const sync = (ns: string) => `${ns}.app`;
const applied = async (ns: string, objects: KubeObject[]) => {
  const result = await applyObjects(cluster.client, { sync: sync(ns), desired: objects, base: [], pollIntervalMs: 20, dependencyTimeoutMs: 10_000 });
  expect(result.error).toBeUndefined();
  return objects;
};
const prune = (ns: string, request: Partial<PruneRequest> & Pick<PruneRequest, 'previous' | 'desired'>) =>
  pruneObjects(cluster.client, { sync: sync(ns), allowEmpty: true, pollIntervalMs: 20, timeoutMs: 10_000, ...request });
const actions = (entries: Array<{ ref: { kind: string; name: string; namespace?: string }; action: string }>) => Object.fromEntries(entries.map((e) => [formatRef(e.ref), e.action]));
const annotated = (object: KubeObject, annotations: Record<string, string>): KubeObject => ({ ...object, metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, ...annotations } } });
const exists = async (object: KubeObject) => (await cluster.client.getOrNull(refOf(object)).catch(() => null)) !== null;

describe('prune', () => {
  it('deletes custom resources first and waits until their finalizers ran before deleting the operator and the CRD', async () => {
    const ns = await cluster.newNamespace('prune');
    const group = `${ns}.example.com`;
    const operator = deployment(ns, 'widget-operator', { image: 'registry.example.com/widget-operator:2.1' });
    const crd = annotated(widgetCrd(group), { 'ferry.dev/prune': 'true' });
    const cr: KubeObject = { ...widget(group, ns, 'w1'), metadata: { ...widget(group, ns, 'w1').metadata, finalizers: [`${group}/cleanup`] } };
    const previous = await applied(ns, [crd, operator, cr]);

    // The operator: while it runs, it finishes the cleanup of a Widget marked for deletion.
    let cleanedUp = false;
    let running = true;
    const operatorLoop = (async () => {
      while (running) {
        const live = await cluster.client.getOrNull(refOf(cr)).catch(() => null);
        if (live?.metadata.deletionTimestamp && (await exists(operator))) {
          await cluster.client.jsonPatch(refOf(cr), [{ op: 'remove', path: '/metadata/finalizers' }]);
          cleanedUp = true;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    try {
      const entries = await prune(ns, { previous, desired: [] });
      expect(actions(entries)).toEqual({ [`Widget/${ns}/w1`]: 'deleted', [`Deployment/${ns}/widget-operator`]: 'deleted', [`CustomResourceDefinition/widgets.${group}`]: 'deleted' });
    } finally {
      running = false;
      await operatorLoop;
    }
    expect(cleanedUp).toBe(true);
    expect(await exists(operator)).toBe(false);
  });

  it('stops before deleting what a stuck object depends on, and says which object is stuck', async () => {
    const ns = await cluster.newNamespace('prune');
    const group = `${ns}.example.com`;
    const operator = deployment(ns, 'widget-operator');
    const cr: KubeObject = { ...widget(group, ns, 'w1'), metadata: { ...widget(group, ns, 'w1').metadata, finalizers: [`${group}/cleanup`] } };
    const previous = await applied(ns, [widgetCrd(group), operator, cr]);
    const entries = await prune(ns, { previous, desired: [widgetCrd(group)], timeoutMs: 300 });
    expect(entries.find((e) => e.ref.kind === 'Widget')).toMatchObject({ action: 'failed', message: expect.stringMatching(new RegExp(`^Widget/${ns}/w1: still being deleted after .*finalizers: ${group}/cleanup`)) });
    expect(entries.find((e) => e.ref.kind === 'Deployment')).toMatchObject({ action: 'skipped' });
    expect(await exists(operator)).toBe(true);
  });

  it.each([
    ['a CustomResourceDefinition', (ns: string) => widgetCrd(`${ns}.example.com`)],
    ['a Namespace', () => namespace(`data-${randomBytes(4).toString('hex')}`)],
    ['a PersistentVolumeClaim', (ns: string) => claim(ns, 'data')],
  ])('never prunes %s unless it is annotated ferry.dev/prune: "true"', async (_what, make) => {
    const ns = await cluster.newNamespace('prune');
    const object = make(ns);
    const previous = await applied(ns, [object]);
    const entries = await prune(ns, { previous, desired: [] });
    expect(entries).toMatchObject([{ action: 'skipped', message: expect.stringContaining('ferry.dev/prune: "true"') }]);
    expect(await exists(object)).toBe(true);

    // The opt-in, on the cluster (kubectl annotate) or in Git before the object left it.
    await cluster.client.mergePatch(refOf(object), { metadata: { annotations: { 'ferry.dev/prune': 'true' } } });
    expect(actions(await prune(ns, { previous, desired: [] }))).toEqual({ [formatRef(refOf(object))]: 'deleted' });
    expect(await exists(object)).toBe(false);
  });

  it('prunes an object recorded at an API version the server no longer serves, through the version its group prefers', async () => {
    const ns = await cluster.newNamespace('prune');
    const budget = (apiVersion: string): KubeObject => ({ apiVersion, kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: ns }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } });
    await applied(ns, [budget('policy/v1')]);
    // The history entry was written when the cluster still served policy/v1beta1 (before 1.25).
    const entries = await prune(ns, { previous: [budget('policy/v1beta1')], desired: [configMap(ns, 'other', {})] });
    expect(actions(entries)).toEqual({ [`PodDisruptionBudget/${ns}/web`]: 'deleted' });
    expect(await exists(budget('policy/v1'))).toBe(false);
  });

  it('prunes a custom resource recorded at a version its CRD no longer serves, through the version the CRD serves now', async () => {
    const ns = await cluster.newNamespace('prune');
    const group = `${ns}.example.com`;
    const schema = { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };
    const crd = (versions: unknown[]): KubeObject => ({ ...widgetCrd(group), spec: { ...(widgetCrd(group).spec as object), versions } });
    const old: KubeObject = { ...widget(group, ns, 'w1'), apiVersion: `${group}/v1beta1` };
    await applied(ns, [crd([{ name: 'v1beta1', served: true, storage: true, schema }, { name: 'v1', served: true, storage: false, schema }]), old]);
    // The operator's next release stops serving v1beta1; the history entry still says v1beta1.
    await applied(ns, [crd([{ name: 'v1beta1', served: false, storage: false, schema }, { name: 'v1', served: true, storage: true, schema }])]);
    const entries = await prune(ns, { previous: [old], desired: [configMap(ns, 'other', {})] });
    expect(actions(entries)).toEqual({ [`Widget/${ns}/w1`]: 'deleted' });
    expect(await exists(widget(group, ns, 'w1'))).toBe(false);
  });

  it('prunes what the inventory lists even when the history entry that applied it is lost', async () => {
    const ns = await cluster.newNamespace('prune');
    const [kept, orphan] = await applied(ns, [configMap(ns, 'kept', { a: '1' }), configMap(ns, 'orphan', { a: '1' })]) as [KubeObject, KubeObject];
    const entries = await prune(ns, { previous: [], inventory: [refOf(kept), refOf(orphan)], desired: [kept] });
    expect(actions(entries)).toEqual({ [`ConfigMap/${ns}/orphan`]: 'deleted' });
    expect(await exists(orphan)).toBe(false);
    expect(await exists(kept)).toBe(true);
  });
});

describe('prune in a reconcile', () => {
  it('prunes what the GitSync status inventory lists after the history entry was lost', async () => {
    const ns = await cluster.newNamespace('prune');
    const dir = mkdtempSync(join(tmpdir(), 'ferry-rev-'));
    try {
      const manifest = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`;
      writeFileSync(join(dir, 'kept.yaml'), manifest('kept'));
      writeFileSync(join(dir, 'orphan.yaml'), manifest('orphan'));
      const base = { ...DEFAULT_SETTINGS, namespace: ns, name: 'app', source: { type: 'directory', dir, path: '.' }, targetNamespace: ns, substitute: {}, substituteFrom: [], ignore: [], notify: [] } as SyncSettings;
      expect((await reconcile(base, { client: cluster.client }, { pollIntervalMs: 20 })).result).toBe('Synced');
      await new HistoryStore(cluster.client, ns, 'app').deleteAll();
      rmSync(join(dir, 'orphan.yaml'));
      // What the agent reads from the GitSync: its status inventory.
      const { inventory } = settingsFromGitSync({
        apiVersion: 'ferry.dev/v1alpha1',
        kind: 'GitSync',
        metadata: { name: 'app', namespace: ns },
        spec: { source: { url: 'https://git.example.com/shop.git' } },
        status: { inventory: [`ConfigMap/${ns}/kept@v1`, `ConfigMap/${ns}/orphan@v1`] },
      });
      const outcome = await reconcile({ ...base, ...(inventory ? { inventory } : {}) }, { client: cluster.client }, { pollIntervalMs: 20 });
      expect(outcome.result).toBe('Synced');
      expect(actions(outcome.changes)).toMatchObject({ [`ConfigMap/${ns}/orphan`]: 'deleted' });
      expect(await exists(configMap(ns, 'orphan', {}))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the sync label', () => {
  it('refuses a GitSync whose label value would be longer than 63 characters, before anything is written', async () => {
    const ns = await cluster.newNamespace('prune');
    const name = 'payments-platform-edge-gateway-production-europe-west';
    const result = await applyObjects(cluster.client, { sync: `${ns}.${name}`, desired: [configMap(ns, 'settings', { a: '1' })], base: [] });
    expect(result.error?.code).toBe('APPLY_SYNC_LABEL_TOO_LONG');
    expect(result.error?.message).toMatch(new RegExp(`^GitSync/${ns}/${name}: .*ferry\\.dev/sync.*${ns.length + 1 + name.length} characters.*63`));
    expect(result.wrote).toBe(false);
    expect(await exists(configMap(ns, 'settings', {}))).toBe(false);
  });
});
