import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim } from '../support/kube-sim/index.js';

/**
 * The simulator answers as the real kube-apiserver did: each test replays a captured request and
 * compares status and body, leaving out what differs on every run (uids, times, versions).
 */
const CAPTURES = new URL('../fixtures/kube-apiserver-1.19/', import.meta.url);
interface Exchange {
  method: string;
  path: string;
  requestContentType?: string;
  requestBody?: unknown;
  status: number;
  body: unknown;
}
const capture = <T = Exchange>(name: string) => JSON.parse(readFileSync(new URL(name, CAPTURES), 'utf8')) as T;

const VOLATILE = new Set(['uid', 'resourceVersion', 'creationTimestamp', 'managedFields', 'selfLink', 'clusterIP', 'controller-uid', 'lastTransitionTime', 'lastUpdateTime', 'time', 'continue', 'generation']);
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !VOLATILE.has(key))
        .map(([key, inner]) => [key, key === 'matchLabels' || key === 'labels' ? stable(Object.fromEntries(Object.entries(inner as object).filter(([k]) => k !== 'controller-uid'))) : stable(inner)]),
    );
  }
  return value;
}

let sim: KubeSim;
const call = async (method: string, path: string, body?: unknown, contentType = 'application/json') => {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${sim.token}`, ...(body === undefined ? {} : { 'Content-Type': contentType }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain text answers (404 page not found)
  }
  return { status: response.status, body: parsed };
};
const replay = async (exchange: Exchange) => call(exchange.method, exchange.path, exchange.requestBody ?? undefined, exchange.requestContentType);

beforeAll(async () => {
  sim = await startKubeSim({ controllerDelayMs: 20, crdEstablishDelayMs: 20 });
  await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'capture' } });
});
afterAll(async () => sim.stop());

describe('objects stored with the real server’s defaults', () => {
  const files = readdirSync(CAPTURES).filter((f) => /^\d\d-.*\.json$/.test(f)).sort();
  it.each(files)('%s', async (file) => {
    const { create, stored } = capture<{ create: Exchange; stored: Record<string, unknown> }>(file);
    if (create.path.includes('/widgets')) {
      // The Widget kind exists once its CRD (the previous capture) is Established.
      await expect.poll(async () => (await call('GET', '/apis/example.com/v1')).status, { timeout: 5000 }).toBe(200);
    }
    const created = await replay(create);
    expect(created.status).toBe(create.status);
    const path = `${create.path}/${(create.requestBody as { metadata: { name: string } }).metadata.name}`;
    const fetched = await call('GET', path);
    const expected = stable(stored) as Record<string, unknown>;
    const actual = stable(fetched.body) as Record<string, unknown>;
    // Status written by controllers at capture time is not what this compares.
    delete expected.status;
    delete actual.status;
    expect(actual).toEqual(expected);
  });
});

describe('protocol and error answers', () => {
  beforeAll(async () => {
    await call('POST', '/api/v1/namespaces/capture/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'proto' }, data: { a: '1', b: '2' } });
  });

  it.each([
    'case-get-not-found.json',
    'case-create-already-exists.json',
    'case-create-in-missing-namespace.json',
    'case-create-invalid-name.json',
    'case-unknown-resource.json',
    'case-json-patch-remove-missing-path.json',
    'case-json-patch-test-failed.json',
    'case-update-stale-resource-version.json',
    'case-patch-immutable-service-clusterip.json',
    'case-patch-immutable-deployment-selector.json',
    'case-delete-configmap.json',
    'case-delete-not-found.json',
  ])('%s', async (file) => {
    const exchange = capture(file);
    const answer = await replay(exchange);
    expect(answer.status).toBe(exchange.status);
    if (file === 'case-patch-immutable-deployment-selector.json') {
      // Causes name the same fields; Go's rendering of the values is not reproduced.
      expect((answer.body as { details: { causes: Array<{ field: string }> } }).details.causes.map((c) => c.field)).toContain('spec.selector');
      expect(answer.body).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422 });
      return;
    }
    expect(stable(answer.body)).toEqual(stable(exchange.body));
  });

  it('answers 401 Unauthorized to a wrong token', async () => {
    const exchange = capture('case-unauthorized.json');
    const response = await fetch(`${sim.url}${exchange.path}`, { headers: { Authorization: 'Bearer wrong' } });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(exchange.body);
  });

  it('serves discovery shaped like the real server', async () => {
    const real = capture<{ body: { resources: Array<{ name: string; kind: string; namespaced: boolean }> } }>('case-discovery-apps-v1.json').body.resources;
    const ours = (await call('GET', '/apis/apps/v1')).body as { resources: Array<{ name: string; kind: string; namespaced: boolean }> };
    for (const resource of ours.resources) {
      expect(real.find((r) => r.name === resource.name), resource.name).toMatchObject({ kind: resource.kind, namespaced: resource.namespaced });
    }
    expect((await call('GET', '/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    expect((await call('GET', '/apis')).body).toMatchObject({ kind: 'APIGroupList' });
  });

  it('pages lists exactly like the real server', async () => {
    await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'paging' } });
    for (const name of ['a', 'b', 'c']) await call('POST', '/api/v1/namespaces/paging/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
    const page = (await call('GET', '/api/v1/namespaces/paging/configmaps?limit=1')).body as { kind: string; metadata: { continue: string; remainingItemCount: number }; items: Array<Record<string, unknown>> };
    expect(page).toMatchObject({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: { remainingItemCount: 2 } });
    expect(page.items[0]).not.toHaveProperty('kind');
    const next = (await call('GET', `/api/v1/namespaces/paging/configmaps?limit=1&continue=${page.metadata.continue}`)).body as { items: Array<{ metadata: { name: string } }> };
    expect(next.items[0]?.metadata.name).toBe('b');
  });

  it('merge-patches with null deleting a key, like the real server', async () => {
    const exchange = capture('case-merge-patch.json');
    await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'mp' } });
    await call('POST', '/api/v1/namespaces/mp/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'proto' }, data: { a: '1', b: '2' } });
    const answer = await call('PATCH', '/api/v1/namespaces/mp/configmaps/proto', exchange.requestBody, 'application/merge-patch+json');
    expect((answer.body as { data: unknown }).data).toEqual({ b: '2', c: '3' });
  });

  it('dry-run creates return the object and store nothing', async () => {
    const exchange = capture('case-create-dry-run.json');
    const answer = await replay(exchange);
    expect(answer.status).toBe(201);
    expect((await call('GET', '/api/v1/namespaces/capture/configmaps/dry')).status).toBe(404);
  });
});
