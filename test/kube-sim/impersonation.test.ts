import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImpersonatedForbiddenError, KubeClient } from '../../src/kube/index.js';
import { startKubeSim, type KubeSim, type KubeVersion, type SimCredentials } from '../support/kube-sim/index.js';
import { clusterRole, clusterRoleBinding, group, role, roleBinding, rule, user } from '../support/rbac-objects.js';
import { requestAs } from '../support/sim-requests.js';

/**
 * Impersonation as the API server's filter does it: `Impersonate-User` (a service account by its
 * `system:serviceaccount:<namespace>:<name>` name), `Impersonate-Group`, `Impersonate-Extra-*`
 * and `Impersonate-Uid` switch the request to that user — each only if the caller holds the
 * `impersonate` verb on it — and the request is then authorized as the impersonated user.
 */
const RBAC = 'rbac.authorization.k8s.io';

let sim: KubeSim;
let ferry: SimCredentials;
const admin = (method: string, path: string, body?: unknown) => requestAs(sim, sim.token, method, path, { body });
const create = async (object: Record<string, any>) => {
  const { apiVersion, kind, metadata } = object;
  const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const plural = `${String(kind).toLowerCase()}s`;
  const answer = await admin('POST', metadata.namespace ? `${root}/namespaces/${metadata.namespace}/${plural}` : `${root}/${plural}`, object);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
};
const newNamespace = async (prefix = 'imp') => {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
};
const impersonating = (headers: Record<string, string | string[]>, caller: SimCredentials | string = sim.token) => ({
  get: (path: string) => requestAs(sim, typeof caller === 'string' ? caller : caller.token, 'GET', path, { headers }),
});

beforeAll(async () => {
  sim = await startKubeSim({ users: [{ name: 'ferry' }] });
  ferry = sim.credentials('ferry');
});
afterAll(async () => sim.stop());

describe('a caller allowed to impersonate', () => {
  it('acts as the service account it names, with the account’s groups, authorized as that account', async () => {
    const ns = await newNamespace();
    const deployer = `system:serviceaccount:${ns}:deployer`;
    const as = impersonating({ 'Impersonate-User': deployer });
    const denied = await as.get(`/api/v1/namespaces/${ns}/configmaps`);
    expect(denied.status).toBe(403);
    expect(denied.body.message).toBe(`configmaps is forbidden: User "${deployer}" cannot list resource "configmaps" in API group "" in the namespace "${ns}"`);
    expect(sim.requests.at(-1)).toMatchObject({ user: deployer, status: 403 });
    // The account's groups come with it: a binding to system:serviceaccounts:<ns> applies.
    await create(role(ns, 'config-reader', [rule(['list'], '', ['configmaps'])]));
    await create(roleBinding(ns, 'accounts-read-config', { role: 'config-reader' }, [group(`system:serviceaccounts:${ns}`)]));
    expect((await as.get(`/api/v1/namespaces/${ns}/configmaps`)).status).toBe(200);
    // …and system:authenticated, so discovery works as for any user.
    expect((await as.get('/apis')).status).toBe(200);
  });

  it('acts as a user with the groups it names instead of its own', async () => {
    const ns = await newNamespace();
    await create(roleBinding(ns, 'qa-views', { clusterRole: 'view' }, [group('qa')]));
    expect((await impersonating({ 'Impersonate-User': 'jane', 'Impersonate-Group': ['developers', 'qa'] }).get(`/api/v1/namespaces/${ns}/pods`)).status).toBe(200);
    expect((await impersonating({ 'Impersonate-User': 'jane', 'Impersonate-Group': 'developers' }).get(`/api/v1/namespaces/${ns}/pods`)).status).toBe(403);
    // A service account impersonated with groups gets those groups, not its own.
    await create(roleBinding(ns, 'accounts-view', { clusterRole: 'view' }, [group(`system:serviceaccounts:${ns}`)]));
    expect((await impersonating({ 'Impersonate-User': `system:serviceaccount:${ns}:app`, 'Impersonate-Group': 'developers' }).get(`/api/v1/namespaces/${ns}/pods`)).status).toBe(403);
  });

  it('is ferry’s own client: an impersonated view that lacks a permission fails with the identity named', async () => {
    const ns = await newNamespace();
    const client = KubeClient.fromConfig({ kubeconfig: sim.kubeconfigPath, retry: { maxRetries: 0 } });
    try {
      const tenant = client.impersonate({ serviceAccount: { namespace: ns, name: 'deployer' } });
      const error = await tenant.list('v1', 'Secret', { namespace: ns }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImpersonatedForbiddenError);
      expect(error).toMatchObject({ code: 'KUBE_FORBIDDEN', identity: `system:serviceaccount:${ns}:deployer`, impersonationDenied: false });
      await create(roleBinding(ns, 'deployer-edits', { clusterRole: 'edit' }, [{ kind: 'ServiceAccount', name: 'deployer', namespace: ns }]));
      await expect(tenant.list('v1', 'Secret', { namespace: ns })).resolves.toBeDefined();
    } finally {
      client.close();
    }
  });
});

describe('a caller not allowed to impersonate', () => {
  it('is refused naming what it may not impersonate, in the captured 403’s shape', async () => {
    const ns = await newNamespace();
    const answers = await Promise.all([
      impersonating({ 'Impersonate-User': `system:serviceaccount:${ns}:deployer` }, ferry).get(`/api/v1/namespaces/${ns}/configmaps`),
      impersonating({ 'Impersonate-User': 'jane' }, ferry).get(`/api/v1/namespaces/${ns}/configmaps`),
    ]);
    expect(answers.map((answer) => [answer.status, answer.body])).toEqual([
      [
        403,
        {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `serviceaccounts "deployer" is forbidden: User "ferry" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "${ns}"`,
          reason: 'Forbidden',
          details: { name: 'deployer', kind: 'serviceaccounts' },
          code: 403,
        },
      ],
      [
        403,
        {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'users "jane" is forbidden: User "ferry" cannot impersonate resource "users" in API group "" at the cluster scope',
          reason: 'Forbidden',
          details: { name: 'jane', kind: 'users' },
          code: 403,
        },
      ],
    ]);
  });

  it('may impersonate the service accounts of the namespaces where it holds impersonate, and no others', async () => {
    const [tenant, other] = [await newNamespace(), await newNamespace()];
    await create(role(tenant, 'impersonator', [rule(['impersonate'], '', ['serviceaccounts'])]));
    await create(roleBinding(tenant, 'ferry-impersonates', { role: 'impersonator' }, [user('ferry')]));
    await create(roleBinding(tenant, 'tenant-views', { clusterRole: 'view' }, [group(`system:serviceaccounts:${tenant}`)]));
    expect((await impersonating({ 'Impersonate-User': `system:serviceaccount:${tenant}:deployer` }, ferry).get(`/api/v1/namespaces/${tenant}/pods`)).status).toBe(200);
    const elsewhere = await impersonating({ 'Impersonate-User': `system:serviceaccount:${other}:deployer` }, ferry).get(`/api/v1/namespaces/${other}/pods`);
    expect(elsewhere.body.message).toBe(`serviceaccounts "deployer" is forbidden: User "ferry" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "${other}"`);
  });

  it('needs impersonate on each group it claims, by name when the rule names some', async () => {
    const name = `impersonate-developers-${randomBytes(3).toString('hex')}`;
    await create(clusterRole(name, [rule(['impersonate'], '', ['users']), rule(['impersonate'], '', ['groups'], ['developers'])]));
    await create(clusterRoleBinding(name, name, [user('ferry')]));
    expect((await impersonating({ 'Impersonate-User': 'jane', 'Impersonate-Group': 'developers' }, ferry).get('/api')).status).toBe(200);
    const denied = await impersonating({ 'Impersonate-User': 'jane', 'Impersonate-Group': ['developers', 'system:masters'] }, ferry).get('/api');
    expect(denied.body.message).toBe('groups "system:masters" is forbidden: User "ferry" cannot impersonate resource "groups" in API group "" at the cluster scope');
    // The core group is where users, groups and service accounts are checked; a rule elsewhere does not count.
    const other = `impersonate-in-authentication-${randomBytes(3).toString('hex')}`;
    await create(clusterRole(other, [rule(['impersonate'], 'authentication.k8s.io', ['users'])]));
    await create(clusterRoleBinding(other, other, [user('limited-impersonator')]));
    const limited = sim.addUser({ name: 'limited-impersonator' });
    expect((await impersonating({ 'Impersonate-User': 'jane' }, limited).get('/api')).status).toBe(403);
  });

  it('needs impersonate on userextras/<key> and uids in authentication.k8s.io for extras and a uid', async () => {
    const name = `impersonate-scopes-${randomBytes(3).toString('hex')}`;
    await create(clusterRole(name, [rule(['impersonate'], '', ['users']), rule(['impersonate'], 'authentication.k8s.io', ['userextras/scopes'])]));
    await create(clusterRoleBinding(name, name, [user('ferry')]));
    expect((await impersonating({ 'Impersonate-User': 'jane', 'Impersonate-Extra-Scopes': 'view' }, ferry).get('/api')).status).toBe(200);
    const uid = await impersonating({ 'Impersonate-User': 'jane', 'Impersonate-Uid': '1234' }, ferry).get('/api');
    expect(uid.body).toMatchObject({
      message: `uids.authentication.k8s.io "1234" is forbidden: User "ferry" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope`,
      details: { name: '1234', group: 'authentication.k8s.io', kind: 'uids' },
    });
    const extra = await impersonating({ 'Impersonate-User': 'jane', 'Impersonate-Extra-Reason': 'audit' }, ferry).get('/api');
    expect(extra.body.message).toBe('userextras.authentication.k8s.io "audit" is forbidden: User "ferry" cannot impersonate resource "userextras/reason" in API group "authentication.k8s.io" at the cluster scope');
  });

  it('fails ferry’s impersonated client with KUBE_IMPERSONATION_FORBIDDEN', async () => {
    const ns = await newNamespace();
    const client = KubeClient.fromConfig({ kubeconfig: ferry.kubeconfigPath, retry: { maxRetries: 0 } });
    try {
      const error = await client.impersonate({ serviceAccount: { namespace: ns, name: 'deployer' } }).list('v1', 'ConfigMap', { namespace: ns }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'KUBE_IMPERSONATION_FORBIDDEN', impersonationDenied: true, identity: `system:serviceaccount:${ns}:deployer` });
    } finally {
      client.close();
    }
  });
});

describe.each<KubeVersion>(['1.19', '1.32'])('impersonation headers on Kubernetes %s', (version) => {
  it('refuses groups without a user with the filter’s plain-text internal error', async () => {
    const versioned = await startKubeSim({ version });
    try {
      const answer = await requestAs(versioned, versioned.token, 'GET', '/api/v1/namespaces/default/pods?limit=1', { headers: { 'Impersonate-Group': 'developers' } });
      expect(answer).toMatchObject({ status: 500, contentType: 'text/plain; charset=utf-8', body: 'Internal Server Error: "/api/v1/namespaces/default/pods?limit=1": requested [{Group  developers    }] without impersonating a user\n' });
    } finally {
      await versioned.stop();
    }
  });

  it(version === '1.19' ? 'ignores Impersonate-Uid, which it does not know' : 'checks Impersonate-Uid', async () => {
    const versioned = await startKubeSim({ version, users: [{ name: 'ferry' }] });
    try {
      await requestAs(versioned, versioned.token, 'POST', `/apis/${RBAC}/v1/clusterroles`, { body: clusterRole('impersonate-users', [rule(['impersonate'], '', ['users'])]) });
      await requestAs(versioned, versioned.token, 'POST', `/apis/${RBAC}/v1/clusterrolebindings`, { body: clusterRoleBinding('ferry-impersonates', 'impersonate-users', [user('ferry')]) });
      const answer = await requestAs(versioned, versioned.credentials('ferry').token, 'GET', '/api', { headers: { 'Impersonate-User': 'jane', 'Impersonate-Uid': '1234' } });
      expect(answer.status).toBe(version === '1.19' ? 200 : 403);
    } finally {
      await versioned.stop();
    }
  });
});
