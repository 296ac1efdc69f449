import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { formatRef, refOf } from '../../src/objects.js';
import { applyObjects, type ApplyRequest } from '../../src/apply/index.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { configMap, deployment, namespace, widget, widgetCrd } from './manifests.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 20, crdEstablishDelayMs: 60 });
});
afterAll(() => cluster.stop());

const apply = (sync: string, desired: KubeObject[], extra: Partial<ApplyRequest> = {}) =>
  applyObjects(cluster.client, { sync, desired, base: [], pollIntervalMs: 20, dependencyTimeoutMs: 10_000, ...extra });
const actions = (entries: Array<{ ref: { kind: string; name: string; namespace?: string }; action: string }>) => Object.fromEntries(entries.map((e) => [formatRef(e.ref), e.action]));
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
const badService = (ns: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { selector: { app: 'web' }, ports: [{ port: 99999 }] } });

describe('staged apply: Namespaces and CRDs first, then everything else validated before any of it is written', () => {
  it('an invalid object in a Namespace the revision creates stops the apply before anything else is written', async () => {
    const existing = await cluster.newNamespace('staged');
    const fresh = unique('shop');
    const result = await apply(`${existing}.app`, [
      namespace(fresh),
      configMap(fresh, 'settings', { MODE: 'prod' }),
      deployment(fresh, 'web'),
      badService(fresh),
      configMap(existing, 'elsewhere', { MODE: 'prod' }),
    ]);
    expect(result.error?.message).toMatch(new RegExp(`^Service/${fresh}/web: invalid: spec\\.ports\\[0\\]\\.port`));
    expect(actions(result.entries)).toEqual({
      [`Namespace/${fresh}`]: 'created',
      [`Service/${fresh}/web`]: 'failed',
      [`ConfigMap/${fresh}/settings`]: 'skipped',
      [`Deployment/${fresh}/web`]: 'skipped',
      [`ConfigMap/${existing}/elsewhere`]: 'skipped',
    });
    // Only the first stage was written.
    expect(await cluster.client.getOrNull(refOf(configMap(fresh, 'settings', {})))).toBeNull();
    expect(await cluster.client.getOrNull(refOf(deployment(fresh, 'web')))).toBeNull();
    expect(await cluster.client.getOrNull(refOf(configMap(existing, 'elsewhere', {})))).toBeNull();
    expect(result.wrote).toBe(true);
  });

  it('an invalid custom resource of a CRD the revision creates stops the apply before anything else is written', async () => {
    const ns = await cluster.newNamespace('staged');
    const group = `${ns}.example.com`;
    const result = await apply(`${ns}.app`, [widgetCrd(group), widget(group, ns, 'Not_A_Valid_Name'), configMap(ns, 'settings', { MODE: 'prod' })]);
    expect(result.error?.message).toMatch(new RegExp(`^Widget/${ns}/Not_A_Valid_Name: invalid: metadata\\.name`));
    expect(actions(result.entries)).toMatchObject({ [`CustomResourceDefinition/widgets.${group}`]: 'created', [`ConfigMap/${ns}/settings`]: 'skipped' });
    expect(await cluster.client.getOrNull(refOf(configMap(ns, 'settings', {})))).toBeNull();
  });

  it('an invalid object in an existing namespace is refused before the Namespaces and CRDs are written', async () => {
    const existing = await cluster.newNamespace('staged');
    const fresh = unique('shop');
    const result = await apply(`${existing}.app`, [namespace(fresh), configMap(fresh, 'settings', { MODE: 'prod' }), badService(existing)]);
    expect(result.error?.message).toMatch(new RegExp(`^Service/${existing}/web: invalid`));
    expect(result.wrote).toBe(false);
    expect(await cluster.client.getOrNull(refOf(namespace(fresh)))).toBeNull();
  });

  it('a valid revision with a new Namespace, a CRD and its custom resources applies in one go', async () => {
    const existing = await cluster.newNamespace('staged');
    const fresh = unique('shop');
    const group = `${fresh}.example.com`;
    const result = await apply(`${existing}.app`, [namespace(fresh), widgetCrd(group), widget(group, fresh, 'w1'), configMap(fresh, 'settings', { MODE: 'prod' }), deployment(fresh, 'web')]);
    expect(result.error).toBeUndefined();
    expect(Object.values(actions(result.entries))).toEqual(['created', 'created', 'created', 'created', 'created']);
    expect(await cluster.client.getOrNull(refOf(widget(group, fresh, 'w1')))).not.toBeNull();
  });
});
