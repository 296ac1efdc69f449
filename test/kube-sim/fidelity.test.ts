import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim, type KubeVersion } from '../support/kube-sim/index.js';

/**
 * The simulator answers as the real kube-apiserver did: each test replays a captured request and
 * compares status and body, leaving out what differs on every run (uids, times, versions,
 * allocated addresses). Every spec runs against both captured servers, 1.19 and 1.32.
 */
interface Exchange {
  method: string;
  path: string;
  requestContentType?: string | null;
  requestBody?: unknown;
  status: number;
  responseContentType?: string;
  warning?: string | null;
  body: unknown;
}

const VOLATILE = new Set(['uid', 'resourceVersion', 'creationTimestamp', 'selfLink', 'clusterIP', 'clusterIPs', 'lastTransitionTime', 'lastUpdateTime', 'lastProbeTime', 'startTime', 'completionTime', 'time', 'continue', 'currentRevision', 'updateRevision']);
const UID_LABELS = new Set(['controller-uid', 'batch.kubernetes.io/controller-uid']);

/** Values that differ on every run are left out; labels holding a uid too. */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !VOLATILE.has(key))
        .map(([key, inner]) => [key, key === 'matchLabels' || key === 'labels' ? stable(Object.fromEntries(Object.entries(inner as object).filter(([k]) => !UID_LABELS.has(k)))) : stable(inner)]),
    );
  }
  return value;
}

/** ReplicaSets are named by a hash of the pod template, which the simulator does not compute as Go does. */
function withoutReplicaSetNames(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/ReplicaSet "[^"]+"/g, 'ReplicaSet "…"');
  if (Array.isArray(value)) return value.map(withoutReplicaSetNames);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withoutReplicaSetNames(inner)]));
  return value;
}

/**
 * Kinds whose controllers the simulator runs as the captured cluster did (the simulated one has a
 * node and a storage provisioner; the captured ones had neither). The 1.19 capture was taken
 * before its Job finished.
 */
const CONTROLLED: Record<KubeVersion, Set<string>> = {
  '1.19': new Set(['Deployment', 'StatefulSet', 'CustomResourceDefinition']),
  '1.32': new Set(['Deployment', 'StatefulSet', 'Job', 'CustomResourceDefinition']),
};

describe.each<KubeVersion>(['1.19', '1.32'])('Kubernetes %s', (version) => {
  const captures = new URL(`../fixtures/kube-apiserver-${version}/`, import.meta.url);
  const capture = <T = Exchange>(name: string) => JSON.parse(readFileSync(new URL(name, captures), 'utf8')) as T;
  const has = (name: string) => readdirSync(captures).includes(name);

  let sim: KubeSim;
  const call = async (method: string, path: string, body?: unknown, contentType = 'application/json', headers: Record<string, string> = {}) => {
    const response = await fetch(`${sim.url}${path}`, {
      method,
      // The captures were made with Python's urllib, whose User-Agent names the field manager.
      headers: { Authorization: `Bearer ${sim.token}`, 'User-Agent': 'Python-urllib/3.11', ...(body === undefined ? {} : { 'Content-Type': contentType }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // plain text answers (404 page not found)
    }
    return { status: response.status, body: parsed as any, headers: response.headers };
  };
  const replay = async (exchange: Exchange, headers: Record<string, string> = {}) => call(exchange.method, exchange.path, exchange.requestBody ?? undefined, exchange.requestContentType ?? undefined, headers);

  beforeAll(async () => {
    // Controllers wait long enough for `stored` to be read before they act, as in the captures.
    sim = await startKubeSim({ version, controllerDelayMs: 300, crdEstablishDelayMs: 20 });
    for (const name of ['capture', 'capture-extra']) await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  });
  afterAll(async () => sim.stop());

  describe('objects are stored with the real server’s defaults and managedFields', () => {
    const files = readdirSync(captures).filter((f) => /^\d\d-.*\.json$/.test(f)).sort();
    it.each(files)('%s', async (file) => {
      const { create, stored, afterControllers } = capture<{ create: Exchange; stored: any; afterControllers: any }>(file);
      if (create.path.includes('/widgets')) {
        // The Widget kind exists once its CRD (the previous capture) is Established.
        await expect.poll(async () => (await call('GET', '/apis/example.com/v1')).status, { timeout: 5000 }).toBe(200);
      }
      const created = await replay(create);
      expect(created.status).toBe(create.status);
      // The create answer: defaults, and the status a new object starts with.
      expect(stable({ ...created.body, metadata: { ...created.body.metadata, managedFields: undefined } })).toEqual(stable({ ...(create.body as any), metadata: { ...(create.body as any).metadata, managedFields: undefined } }));
      const path = `${create.path}/${(create.requestBody as { metadata: { name: string } }).metadata.name}`;
      const fetched = await call('GET', path);
      const { status: _ours, ...actual } = fetched.body;
      const { status: _theirs, ...expected } = stored;
      // Status written by controllers is compared below, and only where the simulator runs them.
      expect(stable({ ...actual, metadata: { ...actual.metadata, managedFields: undefined } })).toEqual(stable({ ...expected, metadata: { ...expected.metadata, managedFields: undefined } }));
      // The writer owns what it sent and what decoding defaulted, nothing the storage layer set.
      const writer = (object: any) => stable((object.metadata.managedFields ?? []).filter((entry: any) => entry.manager === 'Python-urllib'));
      expect(writer(fetched.body)).toEqual(writer(stored));
      if (!CONTROLLED[version].has(stored.kind)) return;
      await expect.poll(async () => withoutReplicaSetNames(stable((await call('GET', path)).body.status)), { timeout: 5000 }).toEqual(withoutReplicaSetNames(stable(afterControllers.status)));
      const controllers = (object: any) => stable((object.metadata.managedFields ?? []).filter((entry: any) => entry.manager !== 'Python-urllib').map((entry: any) => ({ ...entry, fieldsV1: entry.fieldsV1 })));
      await expect.poll(async () => controllers((await call('GET', path)).body), { timeout: 5000 }).toEqual(controllers(afterControllers));
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
      'case-create-removed-api-policy-v1beta1.json',
      'case-create-too-large-annotation.json',
      'case-create-unknown-field-strict.json',
    ])('%s', async (file) => {
      if (!has(file)) return;
      const exchange = capture(file);
      const answer = await replay(exchange);
      expect(answer.status).toBe(exchange.status);
      expect(stable(answer.body)).toEqual(stable(exchange.body));
    });

    it('refuses a changed Job template naming the field, as the real server does', async () => {
      const exchange = capture('case-patch-immutable-job-template.json');
      const answer = await replay(exchange);
      expect(answer.status).toBe(422);
      // Go's rendering of the whole PodTemplateSpec is not reproduced; reason, field and verdict are.
      const cause = (body: any) => body.details.causes.map((c: any) => ({ reason: c.reason, field: c.field, verdict: String(c.message).split(': ').at(-1) }));
      expect(cause(answer.body)).toEqual(cause(exchange.body));
      expect(answer.body).toMatchObject({ kind: 'Status', reason: 'Invalid', details: { name: 'migrate', group: 'batch', kind: 'Job' } });
    });

    it.runIf(version === '1.32')('accepts an unknown field with fieldValidation=Warn, drops it and names it in a Warning header', async () => {
      const exchange = capture('case-create-unknown-field-warn.json');
      const answer = await replay(exchange);
      expect(answer.status).toBe(exchange.status);
      expect(answer.headers.get('warning')).toBe(exchange.warning);
      expect(stable(answer.body)).toEqual(stable(exchange.body));
    });

    it.runIf(version === '1.19')('ignores fieldValidation and drops unknown fields silently', async () => {
      const strict = structuredClone(capture('../kube-apiserver-1.32/case-create-unknown-field-strict.json'));
      const answer = await replay(strict);
      expect(answer.status).toBe(201);
      expect(answer.headers.get('warning')).toBeNull();
      expect(answer.body.spec.template.spec.containers[0]).not.toHaveProperty('imagePullPolice');
    });

    it.runIf(version === '1.32')('applies server-side in a dry run, owning only the fields sent', async () => {
      const exchange = capture('case-server-side-apply-dry-run.json');
      const answer = await call(exchange.method, exchange.path, JSON.stringify(exchange.requestBody), exchange.requestContentType as string);
      expect(answer.status).toBe(exchange.status);
      expect(stable(answer.body)).toEqual(stable(exchange.body));
    });

    it('answers 401 Unauthorized to a wrong token', async () => {
      const exchange = capture('case-unauthorized.json');
      const response = await fetch(`${sim.url}${exchange.path}`, { headers: { Authorization: 'Bearer wrong' } });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual(exchange.body);
    });

    it('answers /version with the version’s numbers', async () => {
      const real = capture<{ body: Record<string, string> }>('case-version.json').body;
      const ours = (await call('GET', '/version')).body;
      expect(Object.keys(ours).sort()).toEqual(Object.keys(real).sort());
      // The 1.19 capture came from an unreleased build (v0.0.0-master); the simulator says 1.19.
      if (real.major) expect({ major: ours.major, minor: ours.minor, gitVersion: ours.gitVersion }).toEqual({ major: real.major, minor: real.minor, gitVersion: real.gitVersion });
      else expect(ours).toMatchObject({ major: '1', minor: version.split('.')[1] });
    });

    it('serves discovery shaped like the real server', async () => {
      for (const file of ['case-discovery-api-v1.json', 'case-discovery-apps-v1.json']) {
        const real = capture<{ body: { resources: Array<Record<string, unknown>> } }>(file).body;
        const ours = (await call('GET', capture(file).path)).body as { resources: Array<Record<string, unknown>> };
        expect(Object.keys(ours).sort()).toEqual(Object.keys(real).sort());
        for (const resource of ours.resources) {
          const { storageVersionHash: _hash, ...theirs } = (real.resources.find((r) => r.name === resource.name) ?? {}) as Record<string, unknown>;
          expect(resource, String(resource.name)).toEqual(theirs);
        }
      }
      // Groups in the real server's order; each version the simulator serves, in the real order,
      // with the real preferred version (it models no beta version whose shape differs from v1).
      const real = capture<{ body: { groups: any[] } }>('case-discovery-apis.json').body.groups;
      const ours = ((await call('GET', '/apis')).body as { groups: any[] }).groups;
      expect(ours.map((g) => g.name)).toEqual(real.map((g) => g.name).filter((name) => ours.some((g) => g.name === name)));
      for (const group of ours) {
        const theirs = real.find((g) => g.name === group.name);
        expect(group.preferredVersion, group.name).toEqual(theirs.preferredVersion);
        expect(group.versions, group.name).toEqual(theirs.versions.filter((v: any) => group.versions.some((o: any) => o.version === v.version)));
      }
      expect((await call('GET', '/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    });

    it.runIf(version === '1.32')('leaves a removed API version out of its group’s discovery', async () => {
      const exchange = capture('case-discovery-policy.json');
      expect((await replay(exchange)).body).toEqual(exchange.body);
      expect((await call('GET', '/apis/policy/v1beta1')).status).toBe(404);
      expect((await call('GET', '/apis/batch/v1beta1/namespaces/capture/cronjobs')).body).toMatchObject({ reason: 'NotFound', code: 404 });
    });

    it.runIf(version === '1.32')('serves aggregated discovery to a client that asks for it', async () => {
      const exchange = capture('case-discovery-aggregated-apis.json');
      const answer = await call('GET', '/apis', undefined, undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
      expect(answer.headers.get('content-type')).toBe(exchange.responseContentType);
      const real = (exchange.body as any).items;
      expect(answer.body).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2' });
      for (const group of answer.body.items) {
        const theirs = real.find((g: any) => g.metadata.name === group.metadata.name);
        expect(theirs, group.metadata.name).toBeDefined();
        for (const version of group.versions) {
          const theirVersion = theirs.versions.find((v: any) => v.version === version.version);
          expect(theirVersion.freshness).toBe(version.freshness);
          for (const resource of version.resources) {
            const { singularResource: _singular, ...theirResource } = theirVersion.resources.find((r: any) => r.resource === resource.resource) ?? {};
            // Only the status subresource is served by the simulator.
            const subresources = (theirResource.subresources ?? []).filter((s: any) => s.subresource === 'status');
            const { singularResource: _ours, ...ourResource } = resource;
            expect(ourResource, resource.resource).toEqual({ ...theirResource, ...(subresources.length ? { subresources } : {}) });
          }
        }
      }
      expect(answer.body.items.map((g: any) => g.metadata.name)).toEqual(real.map((g: any) => g.metadata.name).filter((name: string) => answer.body.items.some((g: any) => g.metadata.name === name)));
    });

    it.runIf(version === '1.32')('serves the OpenAPI v3 documents it was captured with', async () => {
      const index = (await call('GET', '/openapi/v3')).body as { paths: Record<string, { serverRelativeURL: string }> };
      const real = JSON.parse(readFileSync(new URL('openapi-v3/index.json', captures), 'utf8')) as { paths: Record<string, unknown> };
      for (const path of Object.keys(index.paths)) if (!path.startsWith('apis/example.com')) expect(real.paths, path).toHaveProperty([path]);
      const apps = (await call('GET', index.paths['apis/apps/v1']?.serverRelativeURL as string)).body;
      expect(apps).toEqual(JSON.parse(readFileSync(new URL('openapi-v3/apis_apps_v1.json', captures), 'utf8')));
    });

    it.runIf(version === '1.19')('serves no OpenAPI v3 and no aggregated discovery', async () => {
      expect((await call('GET', '/openapi/v3')).status).toBe(404);
      const answer = await call('GET', '/apis', undefined, undefined, { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' });
      expect(answer.body.kind).toBe('APIGroupList');
    });

    it('pages lists exactly like the real server', async () => {
      await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'paging' } });
      for (const name of ['a', 'b', 'c']) await call('POST', '/api/v1/namespaces/paging/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });
      const page = (await call('GET', '/api/v1/namespaces/paging/configmaps?limit=1')).body as { kind: string; metadata: { continue: string; remainingItemCount: number }; items: Array<Record<string, unknown>> };
      const real = capture<{ body: { metadata: Record<string, unknown> } }>('case-list-paged.json').body;
      expect(Object.keys(page.metadata).sort()).toEqual(Object.keys(real.metadata).sort());
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
      expect(stable(answer.body)).toEqual(stable(exchange.body));
      expect((await call('GET', '/api/v1/namespaces/capture/configmaps/dry')).status).toBe(404);
    });
  });
});
