import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeSim, type KubeSim, type SimCredentials } from '../support/kube-sim/index.js';
import { clusterRole, clusterRoleBinding, role, roleBinding, rule, user } from '../support/rbac-objects.js';
import { requestAs } from '../support/sim-requests.js';

/**
 * RBAC's escalation rule, enforced by the storage of roles and bindings: whoever writes a Role or
 * ClusterRole must hold every permission it grants, unless it may `escalate` roles; whoever binds
 * a role must hold the role's permissions, unless it may `bind` that role. Dry runs, patches and
 * server-side applies are held to it too; `system:masters` is not.
 */
const RBAC = 'rbac.authorization.k8s.io';
const GROUPS = '(groups=["system:authenticated"])';
const NOT_HELD = 'is attempting to grant RBAC permissions not currently held:';

let sim: KubeSim;
let lead: SimCredentials;
const admin = (method: string, path: string, body?: unknown) => requestAs(sim, sim.token, method, path, { body });
const pathOf = (object: Record<string, any>) => {
  const plural = `${String(object.kind).toLowerCase()}s`;
  return object.metadata.namespace ? `/apis/${RBAC}/v1/namespaces/${object.metadata.namespace}/${plural}` : `/apis/${RBAC}/v1/${plural}`;
};
const create = async (object: Record<string, any>) => {
  const answer = await admin('POST', object.kind === 'Namespace' ? '/api/v1/namespaces' : pathOf(object), object);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
};
/** A fresh namespace, and in it a role `lead` is bound to with these rules. */
const leadNamespace = async (rules: ReturnType<typeof rule>[]) => {
  const ns = `esc-${randomBytes(3).toString('hex')}`;
  await create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await create(role(ns, 'lead', rules));
  await create(roleBinding(ns, 'lead', { role: 'lead' }, [user('lead')]));
  return ns;
};
const writesRoles = rule(['create', 'get', 'update', 'patch'], RBAC, ['roles', 'rolebindings']);
const asLead = (method: string, path: string, body?: unknown, contentType?: string) => requestAs(sim, lead.token, method, path, { body, ...(contentType ? { contentType } : {}) });
const refusal = (resource: string, name: string, missing: string[], extra = '') => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: `${resource}.${RBAC} "${name}" is forbidden: user "lead" ${GROUPS} ${NOT_HELD}\n${missing.join('\n')}${extra}`,
  reason: 'Forbidden',
  details: { name, group: RBAC, kind: resource },
  code: 403,
});

beforeAll(async () => {
  sim = await startKubeSim({ users: [{ name: 'lead' }] });
  lead = sim.credentials('lead');
});
afterAll(async () => sim.stop());

describe('writing a Role or ClusterRole', () => {
  it('is refused when it grants what the writer does not hold, dry run or not, and nothing is stored', async () => {
    const ns = await leadNamespace([writesRoles, rule(['get'], '', ['configmaps', 'secrets'])]);
    const wanted = role(ns, 'secret-reader', [rule(['get', 'list', 'watch'], '', ['secrets', 'configmaps'])]);
    for (const query of ['?dryRun=All', '']) {
      const answer = await asLead('POST', `${pathOf(wanted)}${query}`, wanted);
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual(refusal('roles', 'secret-reader', ['{APIGroups:[""], Resources:["configmaps"], Verbs:["list" "watch"]}', '{APIGroups:[""], Resources:["secrets"], Verbs:["list" "watch"]}']));
    }
    expect((await admin('GET', `${pathOf(wanted)}/secret-reader`)).status).toBe(404);
  });

  it('is allowed for what the writer holds, in the namespace or cluster-wide', async () => {
    const ns = await leadNamespace([writesRoles, rule(['get', 'list'], '', ['configmaps'])]);
    const name = `lead-reads-jobs-${ns}`;
    await create(clusterRole(name, [rule(['list'], 'batch', ['jobs'])]));
    await create(clusterRoleBinding(name, name, [user('lead')]));
    const subset = role(ns, 'config-and-jobs', [rule(['get'], '', ['configmaps']), rule(['list'], 'batch', ['jobs'])]);
    expect((await asLead('POST', pathOf(subset), subset)).status).toBe(201);
  });

  it('needs the wildcard itself to grant a wildcard, and every URL it names', async () => {
    const ns = await leadNamespace([writesRoles, rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'], '', ['configmaps'])]);
    const wanted = role(ns, 'all-config', [rule(['*'], '', ['configmaps']), rule(['get'], 'apps', ['*']), { verbs: ['get'], nonResourceURLs: ['/metrics'] }]);
    const answer = await asLead('POST', pathOf(wanted), wanted);
    expect(answer.body).toEqual(
      refusal('roles', 'all-config', ['{APIGroups:[""], Resources:["configmaps"], Verbs:["*"]}', '{APIGroups:["apps"], Resources:["*"], Verbs:["get"]}', '{NonResourceURLs:["/metrics"], Verbs:["get"]}']),
    );
  });

  it('counts only cluster-wide permissions for a ClusterRole, and names roles the writer’s bindings miss', async () => {
    const ns = await leadNamespace([rule(['get'], '', ['configmaps'])]);
    const name = `lead-writes-clusterroles-${ns}`;
    await create(clusterRole(name, [rule(['create'], RBAC, ['clusterroles'])]));
    await create(clusterRoleBinding(name, name, [user('lead')]));
    await create(clusterRoleBinding(`${name}-dangling`, `gone-${ns}`, [user('lead')]));
    const wanted = clusterRole(`config-getter-${ns}`, [rule(['get'], '', ['configmaps'])]);
    const answer = await asLead('POST', pathOf(wanted), wanted);
    expect(answer.body).toEqual(refusal('clusterroles', `config-getter-${ns}`, ['{APIGroups:[""], Resources:["configmaps"], Verbs:["get"]}'], `; resolution errors: [clusterroles.${RBAC} "gone-${ns}" not found]`));
    // Cluster-wide bindings reach every other spec's writes: leave none dangling.
    await admin('DELETE', `/apis/${RBAC}/v1/clusterrolebindings/${name}-dangling`);
  });

  it('needs all of cluster-admin to set or drop an aggregation rule, whatever the rules', async () => {
    const ns = await leadNamespace([]);
    const name = `lead-writes-clusterroles-${ns}`;
    await create(clusterRole(name, [rule(['create', 'update'], RBAC, ['clusterroles'])]));
    await create(clusterRoleBinding(name, name, [user('lead')]));
    const aggregated = { ...clusterRole(`gatherer-${ns}`, []), aggregationRule: { clusterRoleSelectors: [{ matchLabels: { gather: ns } }] } };
    const answer = await asLead('POST', pathOf(aggregated), aggregated);
    expect(answer.body).toMatchObject({ message: `clusterroles.${RBAC} "gatherer-${ns}" is forbidden: must have cluster-admin privileges to use the aggregationRule`, details: { name: `gatherer-${ns}`, kind: 'clusterroles' } });
    await create(aggregated);
    const stored = (await admin('GET', `${pathOf(aggregated)}/gatherer-${ns}`)).body;
    const { aggregationRule: _dropped, ...plain } = stored;
    expect((await asLead('PUT', `${pathOf(aggregated)}/gatherer-${ns}`, plain)).status).toBe(403);
  });

  it('is allowed whatever it grants to a writer that may escalate', async () => {
    const ns = await leadNamespace([writesRoles, rule(['escalate'], RBAC, ['roles'])]);
    const wanted = role(ns, 'anything', [rule(['*'], '*', ['*'])]);
    expect((await asLead('POST', pathOf(wanted), wanted)).status).toBe(201);
  });

  it('holds updates, patches and server-side applies to the same rule, but lets the garbage collector’s fields change', async () => {
    const ns = await leadNamespace([writesRoles, rule(['get'], '', ['configmaps'])]);
    await create(role(ns, 'wide', [rule(['get', 'list'], '', ['secrets'])]));
    const path = `${pathOf(role(ns, 'wide', []))}/wide`;
    const current = (await admin('GET', path)).body;
    const merge = 'application/merge-patch+json';
    expect((await asLead('PATCH', path, { metadata: { finalizers: ['example.com/keep'] } }, merge)).status).toBe(200);
    const relabelled = await asLead('PATCH', path, { metadata: { labels: { team: 'a' } } }, merge);
    expect(relabelled.body).toEqual(refusal('roles', 'wide', ['{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}']));
    const narrowed = await asLead('PUT', path, { ...current, metadata: { ...current.metadata, resourceVersion: undefined }, rules: [rule(['get'], '', ['configmaps'])] });
    expect(narrowed.status).toBe(200);
    const applied = await asLead('PATCH', `${path}?fieldManager=lead&force=true`, JSON.stringify(role(ns, 'wide', [rule(['delete'], '', ['configmaps'])])), 'application/apply-patch+yaml');
    expect(applied.body).toEqual(refusal('roles', 'wide', ['{APIGroups:[""], Resources:["configmaps"], Verbs:["delete"]}']));
  });
});

describe('binding a role', () => {
  it('is refused when the role grants what the writer does not hold, listing it', async () => {
    const ns = await leadNamespace([writesRoles]);
    const binding = roleBinding(ns, 'lead-is-admin', { clusterRole: 'cluster-admin' }, [user('lead')]);
    const answer = await asLead('POST', pathOf(binding), binding);
    expect(answer.body).toEqual(refusal('rolebindings', 'lead-is-admin', ['{APIGroups:["*"], Resources:["*"], Verbs:["*"]}', '{NonResourceURLs:["*"], Verbs:["*"]}']));
  });

  it('is allowed to a namespace admin for the roles it holds: admin may hand out edit and admin, not cluster-admin', async () => {
    const ns = await leadNamespace([]);
    await create(roleBinding(ns, 'lead-admin', { clusterRole: 'admin' }, [user('lead')]));
    for (const clusterRoleName of ['edit', 'admin', 'view']) {
      const binding = roleBinding(ns, `team-${clusterRoleName}`, { clusterRole: clusterRoleName }, [user('teammate')]);
      expect((await asLead('POST', pathOf(binding), binding)).status, clusterRoleName).toBe(201);
    }
    const binding = roleBinding(ns, 'team-cluster-admin', { clusterRole: 'cluster-admin' }, [user('teammate')]);
    expect((await asLead('POST', pathOf(binding), binding)).status).toBe(403);
  });

  it('is allowed for the roles the writer may bind, by name, where it may bind them', async () => {
    const ns = await leadNamespace([writesRoles, rule(['bind'], RBAC, ['clusterroles'], ['view'])]);
    const view = roleBinding(ns, 'team-view', { clusterRole: 'view' }, [user('teammate')]);
    expect((await asLead('POST', pathOf(view), view)).status).toBe(201);
    const edit = roleBinding(ns, 'team-edit', { clusterRole: 'edit' }, [user('teammate')]);
    expect((await asLead('POST', pathOf(edit), edit)).status).toBe(403);
    // Binding cluster-wide needs bind cluster-wide (and create on clusterrolebindings).
    const name = `lead-creates-crbs-${ns}`;
    await create(clusterRole(name, [rule(['create'], RBAC, ['clusterrolebindings'])]));
    await create(clusterRoleBinding(name, name, [user('lead')]));
    const everywhere = clusterRoleBinding(`team-view-${ns}`, 'view', [user('teammate')]);
    const answer = await asLead('POST', pathOf(everywhere), everywhere);
    expect(answer.status).toBe(403);
    expect(answer.body.message).toMatch(new RegExp(`^clusterrolebindings\\.${RBAC.replace(/\./g, '\\.')} "team-view-${ns}" is forbidden: user "lead" .* ${NOT_HELD}`));
  });

  it('is refused for a role that does not exist, unless the writer may bind it', async () => {
    const ns = await leadNamespace([writesRoles]);
    const dangling = roleBinding(ns, 'dangling', { role: 'missing' }, [user('teammate')]);
    const answer = await asLead('POST', pathOf(dangling), dangling);
    expect(answer.body).toMatchObject({ message: `rolebindings.${RBAC} "dangling" is forbidden: roles.${RBAC} "missing" not found`, details: { name: 'dangling', group: RBAC, kind: 'rolebindings' } });
    await create(role(ns, 'binder', [rule(['bind'], RBAC, ['roles'])]));
    await create(roleBinding(ns, 'lead-binds', { role: 'binder' }, [user('lead')]));
    expect((await asLead('POST', pathOf(dangling), dangling)).status).toBe(201);
  });

  it('exempts system:masters, whatever it binds', async () => {
    const binding = clusterRoleBinding(`anyone-admin-${randomBytes(3).toString('hex')}`, 'cluster-admin', [user('teammate')]);
    expect((await admin('POST', pathOf(binding), binding)).status).toBe(201);
  });
});
