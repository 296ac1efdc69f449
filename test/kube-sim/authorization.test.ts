import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim, type KubeVersion, type SimCredentials } from '../support/kube-sim/index.js';
import { clusterRole, clusterRoleBinding, group, role, roleBinding, rule, user } from '../support/rbac-objects.js';
import { requestAs } from '../support/sim-requests.js';

/**
 * The simulator authorizes every request as kube-apiserver does with RBAC: the bearer token names
 * the user, Roles and ClusterRoles bound to the user, its groups or its service account say what
 * it may do, and anything else is answered 403 in the real server's words. The default token is a
 * member of `system:masters` and may do anything, so specs that do not care about permissions
 * never notice.
 */
const RBAC = 'rbac.authorization.k8s.io';
const fixture = (version: KubeVersion, name: string) => JSON.parse(readFileSync(new URL(`../fixtures/kube-apiserver-${version}/${name}.json`, import.meta.url), 'utf8'));

let sim: KubeSim;
let limited: SimCredentials;
let jane: SimCredentials;
const admin = (method: string, path: string, body?: unknown) => requestAs(sim, sim.token, method, path, { body });
const as = (who: SimCredentials | undefined, method: string, path: string, body?: unknown) => requestAs(sim, who?.token, method, path, { body });
const create = async (object: Record<string, any>) => {
  const { apiVersion, kind, metadata } = object;
  const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const plural = `${String(kind).toLowerCase()}s`;
  const answer = await admin('POST', metadata.namespace ? `${root}/namespaces/${metadata.namespace}/${plural}` : `${root}/${plural}`, object);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
};
const newNamespace = async (prefix = 'authz') => {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return name;
};
const configMap = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { a: '1' } });
const forbiddenStatus = (message: string, details: Record<string, string>) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Forbidden', details, code: 403 });

beforeAll(async () => {
  sim = await startKubeSim({ users: [{ name: 'limited' }, { name: 'jane', groups: ['developers'] }] });
  limited = sim.credentials('limited');
  jane = sim.credentials('jane');
});
afterAll(async () => sim.stop());

describe.each<KubeVersion>(['1.19', '1.32'])('a refusal on Kubernetes %s', (version) => {
  it('is the captured 403, word for word (case-forbidden.json)', async () => {
    const exchange = fixture(version, 'case-forbidden');
    const versioned = await startKubeSim({ version, users: [{ name: 'limited' }] });
    try {
      await requestAs(versioned, versioned.token, 'POST', '/api/v1/namespaces', { body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'capture' } } });
      const answer = await requestAs(versioned, versioned.credentials('limited').token, exchange.method, exchange.path);
      expect(answer.status).toBe(exchange.status);
      expect(answer.contentType).toBe(exchange.responseContentType);
      expect(answer.body).toEqual(exchange.body);
    } finally {
      await versioned.stop();
    }
  });
});

describe('the refusal’s wording', () => {
  let ns: string;
  beforeAll(async () => {
    ns = await newNamespace();
  });

  it.each([
    ['a list in a namespace', 'GET', () => `/api/v1/namespaces/${ns}/secrets`, () => forbiddenStatus(`secrets is forbidden: User "limited" cannot list resource "secrets" in API group "" in the namespace "${ns}"`, { kind: 'secrets' })],
    ['a read of one object names it', 'GET', () => `/api/v1/namespaces/${ns}/secrets/token`, () => forbiddenStatus(`secrets "token" is forbidden: User "limited" cannot get resource "secrets" in API group "" in the namespace "${ns}"`, { name: 'token', kind: 'secrets' })],
    ['a watch', 'GET', () => `/api/v1/namespaces/${ns}/configmaps?watch=true`, () => forbiddenStatus(`configmaps is forbidden: User "limited" cannot watch resource "configmaps" in API group "" in the namespace "${ns}"`, { kind: 'configmaps' })],
    ['a cluster-scoped list', 'GET', () => '/api/v1/namespaces', () => forbiddenStatus('namespaces is forbidden: User "limited" cannot list resource "namespaces" in API group "" at the cluster scope', { kind: 'namespaces' })],
    [
      'a namespace is read in itself',
      'GET',
      () => `/api/v1/namespaces/${ns}`,
      () => forbiddenStatus(`namespaces "${ns}" is forbidden: User "limited" cannot get resource "namespaces" in API group "" in the namespace "${ns}"`, { name: ns, kind: 'namespaces' }),
    ],
    [
      'a group’s resource is named with its group',
      'DELETE',
      () => `/apis/apps/v1/namespaces/${ns}/deployments/web`,
      () => forbiddenStatus(`deployments.apps "web" is forbidden: User "limited" cannot delete resource "deployments" in API group "apps" in the namespace "${ns}"`, { name: 'web', group: 'apps', kind: 'deployments' }),
    ],
    [
      'a subresource is named after its resource',
      'PATCH',
      () => `/apis/apps/v1/namespaces/${ns}/deployments/web/status`,
      () => forbiddenStatus(`deployments.apps "web" is forbidden: User "limited" cannot patch resource "deployments/status" in API group "apps" in the namespace "${ns}"`, { name: 'web', group: 'apps', kind: 'deployments' }),
    ],
    [
      'a delete of a collection',
      'DELETE',
      () => `/apis/batch/v1/namespaces/${ns}/jobs`,
      () => forbiddenStatus(`jobs.batch is forbidden: User "limited" cannot deletecollection resource "jobs" in API group "batch" in the namespace "${ns}"`, { group: 'batch', kind: 'jobs' }),
    ],
    [
      'a resource nobody serves is refused before it is looked up',
      'GET',
      () => `/apis/widgets.example.com/v1/namespaces/${ns}/widgets`,
      () => forbiddenStatus(`widgets.widgets.example.com is forbidden: User "limited" cannot list resource "widgets" in API group "widgets.example.com" in the namespace "${ns}"`, { group: 'widgets.example.com', kind: 'widgets' }),
    ],
  ])('%s', async (_case, method, path, expected) => {
    const answer = await as(limited, method, path(), method === 'PATCH' ? {} : undefined);
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual(expected());
  });

  it('refuses a dry run as it refuses the write, and a create names no object', async () => {
    const answer = await as(limited, 'POST', `/api/v1/namespaces/${ns}/configmaps?dryRun=All`, configMap(ns, 'settings'));
    expect(answer.body).toEqual(forbiddenStatus(`configmaps is forbidden: User "limited" cannot create resource "configmaps" in API group "" in the namespace "${ns}"`, { kind: 'configmaps' }));
  });

  it('names a path for requests that are not for resources', async () => {
    const anonymous = await as(undefined, 'GET', '/apis');
    expect(anonymous.status).toBe(403);
    expect(anonymous.body).toEqual(forbiddenStatus('forbidden: User "system:anonymous" cannot get path "/apis"', {}));
  });

  it('says which role a binding of the user names but the cluster lacks', async () => {
    await create(roleBinding(ns, 'dangling', { clusterRole: 'no-such-role' }, [user('limited')]));
    await create(roleBinding(ns, 'dangling-role', { role: 'no-such-role' }, [user('limited')]));
    const answer = await as(limited, 'GET', `/api/v1/namespaces/${ns}/pods`);
    expect(answer.body.message).toBe(
      `pods is forbidden: User "limited" cannot list resource "pods" in API group "" in the namespace "${ns}": RBAC: [clusterrole.${RBAC} "no-such-role" not found, role.${RBAC} "no-such-role" not found]`,
    );
  });
});

describe('who a request is', () => {
  it('is the superuser with the default token: a member of system:masters, allowed everything', async () => {
    const ns = await newNamespace();
    expect((await admin('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap(ns, 'settings'))).status).toBe(201);
    expect(sim.requests.at(-1)).toMatchObject({ method: 'POST', user: 'kubernetes-admin', status: 201 });
    expect(sim.credentials('kubernetes-admin')).toEqual({ user: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'], token: sim.token, kubeconfigPath: sim.kubeconfigPath });
  });

  it('answers 401 to a token nobody issued, and to no token when anonymous requests are off', async () => {
    const closed = await startKubeSim({ anonymous: false });
    try {
      expect((await requestAs(closed, 'not-a-token', 'GET', '/version')).status).toBe(401);
      expect((await requestAs(closed, undefined, 'GET', '/version')).body).toEqual(fixture('1.32', 'case-unauthorized').body);
    } finally {
      await closed.stop();
    }
  });

  it('lets anyone read the version, and every authenticated user read discovery and OpenAPI', async () => {
    for (const path of ['/version', '/healthz']) expect((await as(undefined, 'GET', path)).status, path).not.toBe(403);
    for (const path of ['/api', '/api/v1', '/apis', '/apis/apps/v1', '/openapi/v3', '/version']) expect((await as(limited, 'GET', path)).status, path).toBe(200);
    expect((await as(undefined, 'GET', '/api/v1')).status).toBe(403);
  });

  it('is a service account for its token while the account exists', async () => {
    const ns = await newNamespace();
    const deployer = sim.addServiceAccountToken(ns, 'deployer');
    expect(deployer).toMatchObject({ user: `system:serviceaccount:${ns}:deployer`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] });
    expect((await as(deployer, 'GET', '/api')).status).toBe(401);
    await create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace: ns } });
    expect((await as(deployer, 'GET', '/api')).status).toBe(200);
    expect((await as(deployer, 'GET', `/api/v1/namespaces/${ns}/configmaps`)).body.message).toContain(`User "system:serviceaccount:${ns}:deployer" cannot list`);
    await admin('DELETE', `/api/v1/namespaces/${ns}/serviceaccounts/deployer`);
    expect((await as(deployer, 'GET', '/api')).status).toBe(401);
  });

  it('writes a kubeconfig per user, so ferry’s own client can be that user', async () => {
    const text = readFileSync(limited.kubeconfigPath, 'utf8');
    expect(text).toContain(`token: ${limited.token}`);
    expect(text).toContain(`server: ${sim.url}`);
  });
});

describe('what a user may do', () => {
  it('grants a Role’s rules in its namespace only, through a RoleBinding there', async () => {
    const [home, elsewhere] = [await newNamespace(), await newNamespace()];
    await create(role(home, 'config-editor', [rule(['get', 'list', 'create'], '', ['configmaps'])]));
    await create(roleBinding(home, 'limited-edits-config', { role: 'config-editor' }, [user('limited')]));
    expect((await as(limited, 'POST', `/api/v1/namespaces/${home}/configmaps`, configMap(home, 'settings'))).status).toBe(201);
    expect((await as(limited, 'GET', `/api/v1/namespaces/${home}/configmaps`)).status).toBe(200);
    expect((await as(limited, 'DELETE', `/api/v1/namespaces/${home}/configmaps/settings`)).status).toBe(403);
    expect((await as(limited, 'GET', `/api/v1/namespaces/${elsewhere}/configmaps`)).status).toBe(403);
    expect((await as(limited, 'GET', '/api/v1/configmaps')).status).toBe(403);
  });

  it('grants a ClusterRole in one namespace through a RoleBinding, and everywhere through a ClusterRoleBinding', async () => {
    const [home, elsewhere] = [await newNamespace(), await newNamespace()];
    const name = `jobs-reader-${home}`;
    await create(clusterRole(name, [rule(['list'], 'batch', ['jobs'])]));
    await create(roleBinding(home, 'developers-read-jobs', { clusterRole: name }, [group('developers')]));
    expect((await as(jane, 'GET', `/apis/batch/v1/namespaces/${home}/jobs`)).status).toBe(200);
    expect((await as(jane, 'GET', `/apis/batch/v1/namespaces/${elsewhere}/jobs`)).status).toBe(403);
    expect((await as(jane, 'GET', '/apis/batch/v1/jobs')).status).toBe(403);
    await create(clusterRoleBinding(name, name, [user('jane')]));
    expect((await as(jane, 'GET', `/apis/batch/v1/namespaces/${elsewhere}/jobs`)).status).toBe(200);
    expect((await as(jane, 'GET', '/apis/batch/v1/jobs')).status).toBe(200);
  });

  it('matches verbs, groups and resources exactly or by *, and subresources only when named', async () => {
    const ns = await newNamespace();
    await create(role(ns, 'rules', [rule(['*'], 'apps', ['deployments']), rule(['get'], '*', ['*/scale']), { verbs: ['patch'], apiGroups: ['batch'], resources: ['jobs/status'] }]));
    await create(roleBinding(ns, 'limited-rules', { role: 'rules' }, [user('limited')]));
    const cases: Array<[string, string, number]> = [
      ['DELETE', `/apis/apps/v1/namespaces/${ns}/deployments/web`, 404],
      ['GET', `/apis/apps/v1/namespaces/${ns}/deployments`, 200],
      ['PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/web/status`, 403],
      ['GET', `/apis/apps/v1/namespaces/${ns}/statefulsets/db/scale`, 404],
      ['GET', `/apis/apps/v1/namespaces/${ns}/statefulsets/db`, 403],
      ['PATCH', `/apis/batch/v1/namespaces/${ns}/jobs/migrate/status`, 404],
      ['PATCH', `/apis/batch/v1/namespaces/${ns}/jobs/migrate`, 403],
      ['GET', `/apis/extensions/v1beta1/namespaces/${ns}/deployments`, 403],
    ];
    for (const [method, path, status] of cases) {
      const answer = await requestAs(sim, limited.token, method, path, method === 'PATCH' ? { body: {}, contentType: 'application/merge-patch+json' } : {});
      expect(answer.status, `${method} ${path}`).toBe(status);
    }
  });

  it('grants a rule with resourceNames only for requests that name one of them', async () => {
    const ns = await newNamespace();
    await create(configMap(ns, 'settings'));
    await create(role(ns, 'settings-only', [rule(['get', 'list', 'watch', 'create', 'update'], '', ['configmaps'], ['settings'])]));
    await create(roleBinding(ns, 'limited-settings', { role: 'settings-only' }, [user('limited')]));
    expect((await as(limited, 'GET', `/api/v1/namespaces/${ns}/configmaps/settings`)).status).toBe(200);
    expect((await as(limited, 'GET', `/api/v1/namespaces/${ns}/configmaps/other`)).status).toBe(403);
    expect((await as(limited, 'GET', `/api/v1/namespaces/${ns}/configmaps`)).status).toBe(403);
    // A list or watch selecting exactly that name is a request for it.
    expect((await as(limited, 'GET', `/api/v1/namespaces/${ns}/configmaps?fieldSelector=metadata.name%3Dsettings`)).status).toBe(200);
    expect((await as(limited, 'POST', `/api/v1/namespaces/${ns}/configmaps`, configMap(ns, 'settings'))).status).toBe(403);
  });

  it('binds a service account named without a namespace to the binding’s own namespace, and its groups', async () => {
    const ns = await newNamespace();
    await create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader', namespace: ns } });
    const reader = sim.addServiceAccountToken(ns, 'reader');
    await create(role(ns, 'pods-reader', [rule(['list'], '', ['pods'])]));
    await create(role(ns, 'secrets-reader', [rule(['list'], '', ['secrets'])]));
    await create({ ...roleBinding(ns, 'reader-pods', { role: 'pods-reader' }, []), subjects: [{ kind: 'ServiceAccount', name: 'reader' }] });
    await create(roleBinding(ns, 'accounts-secrets', { role: 'secrets-reader' }, [group(`system:serviceaccounts:${ns}`)]));
    expect((await as(reader, 'GET', `/api/v1/namespaces/${ns}/pods`)).status).toBe(200);
    expect((await as(reader, 'GET', `/api/v1/namespaces/${ns}/secrets`)).status).toBe(200);
    expect((await as(reader, 'GET', `/api/v1/namespaces/${ns}/configmaps`)).status).toBe(403);
  });

  it('reads a namespace through a binding in that namespace', async () => {
    const ns = await newNamespace();
    await create(roleBinding(ns, 'limited-views', { clusterRole: 'view' }, [user('limited')]));
    expect((await as(limited, 'GET', `/api/v1/namespaces/${ns}`)).status).toBe(200);
    expect((await as(limited, 'GET', '/api/v1/namespaces')).status).toBe(403);
  });

  it('refuses what the forbidden option names, even to the superuser', async () => {
    const blunt = await startKubeSim({ forbidden: [{ verb: 'list', resource: 'secrets' }] });
    try {
      const answer = await requestAs(blunt, blunt.token, 'GET', '/api/v1/namespaces/default/secrets');
      expect(answer.body.message).toBe('secrets is forbidden: User "kubernetes-admin" cannot list resource "secrets" in API group "" in the namespace "default"');
      expect((await requestAs(blunt, blunt.token, 'GET', '/api/v1/namespaces/default/configmaps')).status).toBe(200);
    } finally {
      await blunt.stop();
    }
  });
});

describe('the built-in roles', () => {
  it('has the bootstrap roles and bindings a new cluster has', async () => {
    const roles = (await admin('GET', `/apis/${RBAC}/v1/clusterroles`)).body.items.map((r: any) => r.metadata.name);
    expect(roles).toEqual(expect.arrayContaining(['admin', 'cluster-admin', 'edit', 'system:basic-user', 'system:discovery', 'system:public-info-viewer', 'view']));
    const superuser = (await admin('GET', `/apis/${RBAC}/v1/clusterrolebindings/cluster-admin`)).body;
    expect(superuser).toMatchObject({ roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'system:masters' }] });
    expect(superuser.metadata.labels).toEqual({ 'kubernetes.io/bootstrapping': 'rbac-defaults' });
  });

  it('aggregates admin, edit and view from their parts: edit may write Deployments and read Secrets, view may not read Secrets', async () => {
    const ns = await newNamespace();
    await create(roleBinding(ns, 'jane-edits', { clusterRole: 'edit' }, [user('jane')]));
    await create(roleBinding(ns, 'limited-views', { clusterRole: 'view' }, [user('limited')]));
    expect((await as(jane, 'GET', `/api/v1/namespaces/${ns}/secrets`)).status).toBe(200);
    expect((await as(jane, 'POST', `/apis/apps/v1/namespaces/${ns}/deployments?dryRun=All`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } } })).status).toBe(201);
    expect((await as(jane, 'POST', `/apis/${RBAC}/v1/namespaces/${ns}/roles?dryRun=All`, role(ns, 'r', []))).status).toBe(403);
    expect((await as(limited, 'GET', `/apis/apps/v1/namespaces/${ns}/deployments`)).status).toBe(200);
    expect((await as(limited, 'GET', `/api/v1/namespaces/${ns}/secrets`)).status).toBe(403);
  });

  it('adds a ClusterRole labelled aggregate-to-view to view, edit and admin, as the aggregation controller does', async () => {
    const ns = await newNamespace();
    const name = `widgets-view-${ns}`;
    await create(clusterRole(name, [rule(['get', 'list', 'watch'], `${ns}.example.com`, ['widgets'])], { [`${RBAC}/aggregate-to-view`]: 'true' }));
    await create(roleBinding(ns, 'limited-admins', { clusterRole: 'admin' }, [user('limited')]));
    expect((await as(limited, 'GET', `/apis/${ns}.example.com/v1/namespaces/${ns}/widgets`)).status).toBe(404);
    for (const aggregate of ['view', 'edit', 'admin']) {
      const rules = (await admin('GET', `/apis/${RBAC}/v1/clusterroles/${aggregate}`)).body.rules;
      expect(rules, aggregate).toContainEqual({ verbs: ['get', 'list', 'watch'], apiGroups: [`${ns}.example.com`], resources: ['widgets'] });
    }
    const view = (await admin('GET', `/apis/${RBAC}/v1/clusterroles/view`)).body;
    expect(view.metadata.managedFields.map((entry: any) => entry.manager)).toContain('clusterrole-aggregation-controller');
  });
});
