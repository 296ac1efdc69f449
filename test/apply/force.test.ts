import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { formatRef, refOf } from '../../src/objects.js';
import { applyObjects, type ApplyRequest } from '../../src/apply/index.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { claim, configMap, deployment, job, roleBinding, service, widget } from './manifests.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 20 });
});
afterAll(() => cluster.stop());

const sync = (ns: string) => `${ns}.app`;
const apply = (ns: string, desired: KubeObject[], base: KubeObject[], extra: Partial<ApplyRequest> = {}) =>
  applyObjects(cluster.client, { sync: sync(ns), desired, base, pollIntervalMs: 20, dependencyTimeoutMs: 10_000, ...extra });
const actions = (entries: { ref: KubeObject['metadata'] & object; action: string }[] | any[]) => Object.fromEntries(entries.map((e: any) => [formatRef(e.ref), e.action]));
const statefulSet = (ns: string, name: string, serviceName: string): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name, namespace: ns },
  spec: { serviceName, replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'postgres:17' }] } } },
});
/**
 * A CRD whose `spec.region` may be set only at creation, written the way CRD authors make a field
 * immutable since Kubernetes 1.25 (kubebuilder's `XValidation:rule="self == oldSelf"`).
 */
const bucketCrd = (group: string): KubeObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `buckets.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { kind: 'Bucket', plural: 'buckets', singular: 'bucket', listKind: 'BucketList' },
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
                  region: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'region is immutable' }] },
                  versioning: { type: 'boolean' },
                },
              },
            },
          },
        },
      },
    ],
  },
});
const bucket = (group: string, ns: string, spec: Record<string, unknown>): KubeObject => ({ ...widget(group, ns, 'assets', spec), kind: 'Bucket' });
const withAnnotation = (object: KubeObject, key: string, value: string): KubeObject => ({ ...object, metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, [key]: value } } });

/** Each case: a first revision, and a second that changes a field the server lets clients set only at creation. */
const immutableChanges: Array<{ what: string; before: (ns: string) => KubeObject; after: (ns: string) => KubeObject; check: (live: KubeObject) => unknown; expected: unknown }> = [
  {
    what: 'a Job whose pod template changed',
    before: (ns) => job(ns, 'migrate', 'registry.example.com/migrate:1.4'),
    after: (ns) => job(ns, 'migrate', 'registry.example.com/migrate:1.5'),
    check: (live) => (live.spec as any).template.spec.containers[0].image,
    expected: 'registry.example.com/migrate:1.5',
  },
  {
    what: 'a Deployment whose selector changed',
    before: (ns) => deployment(ns, 'web', { selector: { app: 'web' } }),
    after: (ns) => deployment(ns, 'web', { selector: { app: 'web', tier: 'frontend' } }),
    check: (live) => (live.spec as any).selector.matchLabels,
    expected: { app: 'web', tier: 'frontend' },
  },
  {
    what: 'a Service whose clusterIP changed',
    before: (ns) => service(ns, 'web', '10.96.0.50'),
    after: (ns) => service(ns, 'web', '10.96.0.60'),
    check: (live) => (live.spec as any).clusterIP,
    expected: '10.96.0.60',
  },
  {
    what: 'a StatefulSet whose serviceName changed (the server forbids it without saying "immutable")',
    before: (ns) => statefulSet(ns, 'db', 'db'),
    after: (ns) => statefulSet(ns, 'db', 'db-headless'),
    check: (live) => (live.spec as any).serviceName,
    expected: 'db-headless',
  },
  {
    what: 'a RoleBinding whose roleRef changed',
    before: (ns) => roleBinding(ns, 'readers', 'view'),
    after: (ns) => roleBinding(ns, 'readers', 'edit'),
    check: (live) => (live as any).roleRef.name,
    expected: 'edit',
  },
];

describe('force: objects whose immutable fields changed', () => {
  it.each(immutableChanges)('recreates $what when spec.force is on', async ({ before, after, check, expected }) => {
    const ns = await cluster.newNamespace('force');
    expect((await apply(ns, [before(ns)], [])).error).toBeUndefined();
    const original = await cluster.client.get(refOf(after(ns)));
    const result = await apply(ns, [after(ns)], [before(ns)], { force: true });
    expect(result.error).toBeUndefined();
    expect(actions(result.entries)).toEqual({ [formatRef(refOf(after(ns)))]: 'recreated' });
    const live = await cluster.client.get(refOf(after(ns)));
    expect(check(live)).toEqual(expected);
    expect(live.metadata.uid).not.toBe(original.metadata.uid);
  });

  it('recreates a custom resource whose CRD makes the changed field immutable (x-kubernetes-validations: self == oldSelf) when spec.force is on', async () => {
    const ns = await cluster.newNamespace('force');
    const group = `${ns}.example.com`;
    const first = [bucketCrd(group), bucket(group, ns, { region: 'eu-west-1', versioning: false })];
    expect((await apply(ns, first, [])).error).toBeUndefined();
    const original = await cluster.client.get(refOf(first[1] as KubeObject));
    const second = [bucketCrd(group), bucket(group, ns, { region: 'eu-central-1', versioning: false })];
    const result = await apply(ns, second, first, { force: true });
    expect(result.error).toBeUndefined();
    expect(actions(result.entries)[`Bucket/${ns}/assets`]).toBe('recreated');
    const live = await cluster.client.get(refOf(second[1] as KubeObject));
    expect((live.spec as any).region).toBe('eu-central-1');
    expect(live.metadata.uid).not.toBe(original.metadata.uid);
  });

  it('without force, refuses a change of a custom resource field its CRD makes immutable, naming the field, and writes nothing', async () => {
    const ns = await cluster.newNamespace('force');
    const group = `${ns}.example.com`;
    const first = [bucketCrd(group), bucket(group, ns, { region: 'eu-west-1', versioning: false })];
    await apply(ns, first, []);
    const result = await apply(ns, [bucketCrd(group), bucket(group, ns, { region: 'eu-central-1', versioning: true })], first);
    expect(result.error?.code).toBe('APPLY_IMMUTABLE_FIELD');
    expect(result.error?.message).toMatch(new RegExp(`^Bucket/${ns}/assets: cannot change immutable field spec\\.region; `));
    expect(result.wrote).toBe(false);
    expect((await cluster.client.get(refOf(first[1] as KubeObject))).spec).toEqual({ region: 'eu-west-1', versioning: false });
  });

  it('recreates an object annotated ferry.dev/force: "true" without spec.force', async () => {
    const ns = await cluster.newNamespace('force');
    await apply(ns, [job(ns, 'migrate', 'migrate:1')], []);
    const result = await apply(ns, [withAnnotation(job(ns, 'migrate', 'migrate:2'), 'ferry.dev/force', 'true')], [job(ns, 'migrate', 'migrate:1')]);
    expect(result.error).toBeUndefined();
    expect(actions(result.entries)).toEqual({ [`Job/${ns}/migrate`]: 'recreated' });
  });

  it('without force, refuses the change before writing anything and says how to allow it', async () => {
    const ns = await cluster.newNamespace('force');
    const first = [configMap(ns, 'settings', { MODE: 'a' }), job(ns, 'migrate', 'migrate:1')];
    await apply(ns, first, []);
    const result = await apply(ns, [configMap(ns, 'settings', { MODE: 'b' }), job(ns, 'migrate', 'migrate:2')], first);
    expect(result.error?.code).toBe('APPLY_IMMUTABLE_FIELD');
    expect(result.error?.message).toMatch(new RegExp(`^Job/${ns}/migrate: cannot change immutable field spec\\.template; .*ferry\\.dev/force: "true".*spec\\.force`));
    expect(result.wrote).toBe(false);
    // Nothing half-applied: the ConfigMap of the same revision was not written either.
    expect((await cluster.client.get(refOf(first[0] as KubeObject))).data).toEqual({ MODE: 'a' });
  });

  it('a dry run with force says the object would be recreated, and writes nothing', async () => {
    const ns = await cluster.newNamespace('force');
    await apply(ns, [job(ns, 'migrate', 'migrate:1')], []);
    const before = await cluster.client.get(refOf(job(ns, 'migrate', 'migrate:1')));
    const result = await apply(ns, [job(ns, 'migrate', 'migrate:2')], [job(ns, 'migrate', 'migrate:1')], { force: true, dryRun: true });
    expect(result.error).toBeUndefined();
    expect(actions(result.entries)).toEqual({ [`Job/${ns}/migrate`]: 'recreated' });
    expect((await cluster.client.get(refOf(before))).metadata.uid).toBe(before.metadata.uid);
  });

  it('never recreates a PersistentVolumeClaim, even with force: its data would be lost', async () => {
    const ns = await cluster.newNamespace('force');
    await apply(ns, [claim(ns, 'data', { storageClassName: 'standard' })], []);
    const before = await cluster.client.get(refOf(claim(ns, 'data')));
    const result = await apply(ns, [claim(ns, 'data', { storageClassName: 'fast' })], [claim(ns, 'data', { storageClassName: 'standard' })], { force: true });
    expect(result.error?.code).toBe('APPLY_IMMUTABLE_FIELD');
    expect(result.error?.message).toMatch(new RegExp(`^PersistentVolumeClaim/${ns}/data: cannot change immutable field spec; ferry never deletes a PersistentVolumeClaim to recreate it`));
    expect(result.wrote).toBe(false);
    expect((await cluster.client.get(refOf(before))).metadata.uid).toBe(before.metadata.uid);
  });
});
