import { afterEach, describe, expect, it } from 'vitest';
import { ImpersonatedForbiddenError, KubeClient } from '../../src/kube/index.js';
import type { KubeObject } from '../../src/objects.js';
import { discoveryExchanges, fixture, startReplayServer, type RecordedExchange, type ReplayServer } from '../support/replay-server.js';

const created = fixture('1.32', 'case-create-configmap');
const forbidden = fixture('1.32', 'case-forbidden');
const configMap = { ...(created.requestBody as KubeObject), metadata: { name: 'proto', namespace: 'capture' } };
const deployer = 'system:serviceaccount:capture:deployer';
const serviceAccounts = { serviceAccount: { namespace: 'capture', name: 'deployer' } };

let replay: ReplayServer | undefined;
let client: KubeClient | undefined;
afterEach(async () => {
  client?.close();
  await replay?.stop();
  replay = client = undefined;
});
const replaying = async (exchanges: RecordedExchange[]) => {
  replay = await startReplayServer([...exchanges, ...discoveryExchanges('1.32')]);
  client = KubeClient.fromConfig({ kubeconfig: replay.kubeconfigPath, retry: { maxRetries: 0 } });
  return client;
};
const sentAs = () => replay!.requests.map((r) => `${r.method} ${r.path} as ${r.headers['impersonate-user'] ?? 'ferry'}`);

describe('KubeClient.impersonate', () => {
  it('makes every read, write, dry run and watch as the service account, and discovery as ferry itself', async () => {
    const kube = await replaying([created, fixture('1.32', 'case-list-label-selector'), fixture('1.32', 'case-get-not-found')]);
    const tenant = kube.impersonate(serviceAccounts);
    expect(tenant.identity).toEqual({ user: deployer });
    await tenant.create(configMap, { dryRun: true }).catch(() => undefined);
    await tenant.create(configMap);
    await tenant.list('apps/v1', 'Deployment', { namespace: 'capture', labelSelector: 'app=web' });
    expect(await tenant.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'capture', name: 'missing' })).toBeNull();
    await tenant.watch('v1', 'ConfigMap', { namespace: 'capture', resourceVersion: '5416', timeoutSeconds: 1 }, () => undefined).catch(() => undefined);
    expect(sentAs().filter((line) => !line.includes(' /api ') && !line.includes(' /apis '))).toEqual([
      'GET /api/v1 as ferry',
      `POST /api/v1/namespaces/capture/configmaps as ${deployer}`,
      `POST /api/v1/namespaces/capture/configmaps as ${deployer}`,
      'GET /apis/apps/v1 as ferry',
      `GET /apis/apps/v1/namespaces/capture/deployments as ${deployer}`,
      `GET /api/v1/namespaces/capture/configmaps/missing as ${deployer}`,
      `GET /api/v1/namespaces/capture/configmaps as ${deployer}`,
    ]);
    // Service accounts get their groups from the API server; no group is claimed.
    expect(replay!.requests.every((r) => r.headers['impersonate-group'] === undefined)).toBe(true);
  });

  it('sends one Impersonate-Group header per group', async () => {
    const kube = await replaying([created]);
    await kube.impersonate({ user: 'jane', groups: ['developers', 'team-a'] }).create(configMap);
    const post = replay!.requests.find((r) => r.method === 'POST')!;
    const groupLines = post.rawHeaders.flatMap((value, i) => (i % 2 === 0 && value.toLowerCase() === 'impersonate-group' ? [post.rawHeaders[i + 1]] : []));
    expect(groupLines).toEqual(['developers', 'team-a']);
  });

  it('shares the parent’s connection, request counts and discovery', async () => {
    const kube = await replaying([created]);
    await kube.resourceFor('v1', 'ConfigMap');
    const before = kube.stats.requests;
    await kube.impersonate(serviceAccounts).create(configMap);
    expect(kube.stats.requests).toBe(before + 1);
    expect(replay!.requests.filter((r) => r.path.startsWith('/api/v1') && r.method === 'GET')).toHaveLength(1);
  });

  it('is one view per identity, so what is cached per client (the apply’s schemas) lasts from one sync to the next', async () => {
    const kube = await replaying([]);
    expect(kube.impersonate(serviceAccounts)).toBe(kube.impersonate({ user: deployer }));
    expect(kube.impersonate(serviceAccounts)).not.toBe(kube.impersonate({ user: deployer, groups: ['team-a'] }));
    expect(kube.impersonate({ serviceAccount: { namespace: 'capture', name: 'other' } }).identity).toEqual({ user: 'system:serviceaccount:capture:other' });
  });

  it('names the verb, the object and the identity when that identity is forbidden', async () => {
    const list = fixture('1.32', 'case-list-label-selector');
    const kube = await replaying([{ ...forbidden, whenHeader: ['Impersonate-User', 'limited'] }, { ...list, path: forbidden.path }]);
    const error = await kube.impersonate({ user: 'limited' }).list('v1', 'ConfigMap', { namespace: 'capture' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImpersonatedForbiddenError);
    expect(error).toMatchObject({
      code: 'KUBE_FORBIDDEN',
      status: 403,
      identity: 'limited',
      verb: 'list',
      impersonationDenied: false,
      message: 'ConfigMap list in capture: limited may not list: configmaps is forbidden: User "limited" cannot list resource "configmaps" in API group "" in the namespace "capture"',
    });
    // Ferry's own identity still may.
    await expect(kube.list('v1', 'ConfigMap', { namespace: 'capture' })).resolves.toBeDefined();
  });

  it('tells apart ferry itself lacking the impersonate permission', async () => {
    // Not among the captured answers: the API server's Forbidden Status for a missing
    // `impersonate` permission on a service account, in the shape of the captured 403.
    const denied: RecordedExchange = {
      ...created,
      status: 403,
      body: {
        ...(forbidden.body as object),
        message: 'serviceaccounts "deployer" is forbidden: User "system:serviceaccount:ferry-system:ferry" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "capture"',
        details: { name: 'deployer', kind: 'serviceaccounts' },
      },
    };
    const kube = await replaying([denied]);
    const error = await kube.impersonate(serviceAccounts).create(configMap).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'KUBE_IMPERSONATION_FORBIDDEN',
      identity: deployer,
      verb: 'create',
      impersonationDenied: true,
      ref: { kind: 'ConfigMap', namespace: 'capture', name: 'proto' },
      message: expect.stringMatching(/^ConfigMap\/capture\/proto: ferry may not impersonate system:serviceaccount:capture:deployer \(it needs the impersonate verb/),
    });
  });
});

describe('KubeClient.isolated', () => {
  it('has its own limiter and connections: its calls never queue behind the parent’s', async () => {
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const slowList = { ...fixture('1.32', 'case-list-label-selector'), hold };
    const kube = await replaying([slowList, fixture('1.32', 'case-get-not-found')]);
    const busy = KubeClient.fromConfig({ kubeconfig: replay!.kubeconfigPath, maxConcurrent: 1, retry: { maxRetries: 0 } });
    await busy.resourceFor('apps/v1', 'Deployment');
    let parentDone = 0;
    const parentCalls = [busy.list('apps/v1', 'Deployment', { namespace: 'capture', labelSelector: 'app=web' }), busy.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'capture', name: 'missing' })].map((p) => p.then(() => parentDone++));
    const lease = busy.isolated({ maxConcurrent: 1 });
    expect(await lease.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'capture', name: 'missing' })).toBeNull();
    expect(parentDone).toBe(0);
    expect(lease.stats.requests).toBeGreaterThan(0);
    release();
    await Promise.all(parentCalls);
    expect(parentDone).toBe(2);
    lease.close();
    busy.close();
    kube.close();
  });
});
