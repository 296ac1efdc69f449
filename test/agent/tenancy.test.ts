import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import type { TenancyPolicy } from '../../src/sync/index.js';
import { eventually } from '../support/cluster.js';
import { roleBinding, serviceAccount } from '../support/rbac-objects.js';
import { conditionOf, configMap, gitSync, startBed, type Bed } from './harness.js';

let bed: Bed;
beforeAll(async () => {
  bed = await startBed();
});
afterAll(async () => bed?.stop());

const HTTP: TenancyPolicy = { allowInsecureHttp: true };
const getGitSync = (ns: string, name: string) => bed.client.getOrNull({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name });
const configMapIn = (ns: string, name: string) => bed.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
const inNamespace = (yaml: string, ns: string) => yaml.replace('metadata:\n', `metadata:\n  namespace: ${ns}\n`);
const adopted = (yaml: string) => yaml.replace('metadata:\n', `metadata:\n  annotations: {ferry.dev/adopt: "true"}\n`);
const clusterRoleBindingYaml = (name: string, subjectNamespace: string) =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: ${name}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: ServiceAccount, name: deployer, namespace: ${subjectNamespace}}]\n`;

/** A tenant namespace with a service account `deployer` that may do what the bootstrap `admin` role allows there, and nothing elsewhere. */
async function tenant(prefix: string): Promise<string> {
  const ns = await bed.cluster.newNamespace(prefix);
  await bed.client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'deployer', namespace: ns } } as KubeObject);
  await bed.client.create(roleBinding(ns, 'deployer-admin', { clusterRole: 'admin' }, [serviceAccount(ns, 'deployer')]));
  return ns;
}

/** Runs `work` with an agent that watches only `namespace`, under `tenancy`. */
async function withAgent(namespace: string, tenancy: TenancyPolicy, work: () => Promise<void>): Promise<void> {
  const agent = await bed.startAgent({ namespace, tenancy });
  try {
    await work();
  } finally {
    await agent.shutdown(1000);
  }
}

/** The Ready condition once the agent reported something other than progress. */
const settledReady = (ns: string, name: string) => eventually(async () => {
  const ready = conditionOf(await getGitSync(ns, name), 'Ready');
  return ready && ready.reason !== 'Progressing' ? ready : undefined;
});

describe('a GitSync with spec.serviceAccountName acts as that service account', () => {
  it('applies what the service account may write, keeps its history, and its status is still written by the agent', async () => {
    const ns = await tenant('tenant');
    const repo = await bed.git.createRepo(ns);
    const sha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one') });
    await withAgent(ns, HTTP, async () => {
      await bed.client.create(gitSync(ns, 'app', repo.url, { serviceAccountName: 'deployer' }));
      await eventually(async () => ((await getGitSync(ns, 'app'))?.status as Record<string, unknown> | undefined)?.lastAppliedRevision === sha);
    });
    expect(((await configMapIn(ns, 'cfg'))?.data as Record<string, string>).value).toBe('one');
    const history = await bed.client.list('v1', 'Secret', { namespace: ns, labelSelector: 'ferry.dev/history=app' });
    expect(history.length).toBe(1);
  });

  it('cannot write outside its namespace: the dry run is denied, naming object, verb and identity, and nothing is written', async () => {
    const ns = await tenant('tenant');
    const other = await bed.cluster.newNamespace('other');
    const repo = await bed.git.createRepo(ns);
    await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one'), 'deploy/elsewhere.yaml': inNamespace(configMap('planted', 'x'), other) });
    await withAgent(ns, HTTP, async () => {
      await bed.client.create(gitSync(ns, 'app', repo.url, { serviceAccountName: 'deployer' }));
      const ready = await settledReady(ns, 'app');
      expect(ready).toMatchObject({ status: 'False' });
      expect(ready.message).toMatch(new RegExp(`ConfigMap/${other}/planted\\b.*: system:serviceaccount:${ns}:deployer may not (get|create)`));
    });
    expect(await configMapIn(other, 'planted')).toBeNull();
    expect(await configMapIn(ns, 'cfg')).toBeNull();
  });

  it('cannot create a ClusterRoleBinding to cluster-admin for itself', async () => {
    const ns = await tenant('tenant');
    const repo = await bed.git.createRepo(ns);
    await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one'), 'deploy/escalate.yaml': clusterRoleBindingYaml(`${ns}-escalate`, ns) });
    await withAgent(ns, HTTP, async () => {
      await bed.client.create(gitSync(ns, 'app', repo.url, { serviceAccountName: 'deployer' }));
      const ready = await settledReady(ns, 'app');
      expect(ready).toMatchObject({ status: 'False' });
      expect(ready.message).toMatch(new RegExp(`ClusterRoleBinding/${ns}-escalate\\b.*: system:serviceaccount:${ns}:deployer may not (get|create)`));
    });
    expect(await bed.client.getOrNull({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: `${ns}-escalate` })).toBeNull();
    expect(await configMapIn(ns, 'cfg')).toBeNull();
  });
});

describe('--default-service-account', () => {
  it('makes a GitSync that names no service account act as that one of its namespace', async () => {
    const ns = await tenant('tenant');
    const repo = await bed.git.createRepo(ns);
    await repo.commitAndPush({ 'deploy/escalate.yaml': clusterRoleBindingYaml(`${ns}-default`, ns) });
    await withAgent(ns, { ...HTTP, defaultServiceAccount: 'deployer' }, async () => {
      await bed.client.create(gitSync(ns, 'app', repo.url));
      const ready = await settledReady(ns, 'app');
      expect(ready.message).toMatch(new RegExp(`ClusterRoleBinding/${ns}-default\\b.*: system:serviceaccount:${ns}:deployer may not (get|create)`));
    });
    expect(await bed.client.getOrNull({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: `${ns}-default` })).toBeNull();
  });
});

describe('boundaries of a GitSync acting as the agent itself', () => {
  it('refuses objects outside its namespace unless the namespace is in --allowed-target-namespaces', async () => {
    const ns = await bed.cluster.newNamespace('platform');
    const other = await bed.cluster.newNamespace('apps');
    const repo = await bed.git.createRepo(ns);
    const sha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one'), 'deploy/elsewhere.yaml': inNamespace(configMap('shared', 'x'), other) });
    await withAgent(ns, HTTP, async () => {
      await bed.client.create(gitSync(ns, 'platform', repo.url));
      const ready = await settledReady(ns, 'platform');
      expect(ready).toMatchObject({ status: 'False', reason: 'TargetNamespaceRefused' });
      expect(ready.message).toContain(`ConfigMap/${other}/shared`);
      expect(ready.message).toContain('--allowed-target-namespaces');
      expect(conditionOf(await getGitSync(ns, 'platform'), 'Stalled')).toMatchObject({ status: 'True', reason: 'TargetNamespaceRefused' });
    });
    expect(await configMapIn(ns, 'cfg')).toBeNull();
    expect(await configMapIn(other, 'shared')).toBeNull();
    await withAgent(ns, { ...HTTP, allowedTargetNamespaces: [other] }, async () => {
      await eventually(async () => ((await getGitSync(ns, 'platform'))?.status as Record<string, unknown> | undefined)?.lastAppliedRevision === sha);
    });
    expect(await configMapIn(other, 'shared')).not.toBeNull();
  });

  it('never adopts an unmanaged object in a namespace it neither targets nor manages', async () => {
    const ns = await bed.cluster.newNamespace('platform');
    const victim = await bed.cluster.newNamespace('victim');
    await bed.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: victim }, data: { value: 'theirs' } } as KubeObject);
    const repo = await bed.git.createRepo(ns);
    await repo.commitAndPush({ 'deploy/take.yaml': adopted(inNamespace(configMap('settings', 'mine'), victim)) });
    await withAgent(ns, { ...HTTP, allowedTargetNamespaces: ['*'] }, async () => {
      await bed.client.create(gitSync(ns, 'platform', repo.url));
      const ready = await settledReady(ns, 'platform');
      expect(ready).toMatchObject({ status: 'False' });
      expect(ready.message).toMatch(new RegExp(`ConfigMap/${victim}/settings \\(deploy/take.yaml:1\\): not adopted`));
    });
    expect(((await configMapIn(victim, 'settings'))?.data as Record<string, string>).value).toBe('theirs');
  });

  it('adopts a cluster-scoped object only with --allow-cluster-adoption', async () => {
    const ns = await bed.cluster.newNamespace('platform');
    const name = `${ns}-reader`;
    await bed.client.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules: [] } as KubeObject);
    const repo = await bed.git.createRepo(ns);
    const sha = await repo.commitAndPush({
      'deploy/role.yaml': `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: ${name}\n  annotations: {ferry.dev/adopt: "true"}\nrules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]\n`,
    });
    const clusterRole = () => bed.client.get({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name });
    await withAgent(ns, HTTP, async () => {
      await bed.client.create(gitSync(ns, 'platform', repo.url));
      const ready = await settledReady(ns, 'platform');
      expect(ready).toMatchObject({ status: 'False' });
      expect(ready.message).toMatch(new RegExp(`ClusterRole/${name} \\(deploy/role.yaml:1\\): not adopted`));
      expect(ready.message).toContain('--allow-cluster-adoption');
    });
    expect((await clusterRole()).rules).toEqual([]);
    await withAgent(ns, { ...HTTP, allowClusterAdoption: true }, async () => {
      await eventually(async () => ((await getGitSync(ns, 'platform'))?.status as Record<string, unknown> | undefined)?.lastAppliedRevision === sha);
    });
    expect((await clusterRole()).rules).toHaveLength(1);
  });

  it('with --no-cross-namespace-refs refuses a Secret from another namespace, and reads nothing', async () => {
    const ns = await bed.cluster.newNamespace('tenant');
    const other = await bed.cluster.newNamespace('secrets');
    await bed.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'vars', namespace: other }, stringData: { VALUE: 'from-elsewhere' } } as KubeObject);
    const repo = await bed.git.createRepo(ns);
    await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', '${VALUE}') });
    await withAgent(ns, { ...HTTP, noCrossNamespaceRefs: true }, async () => {
      await bed.client.create(gitSync(ns, 'app', repo.url, { render: { substituteFrom: [{ kind: 'Secret', name: 'vars', namespace: other }] } }));
      const ready = await settledReady(ns, 'app');
      expect(ready).toMatchObject({ status: 'False', reason: 'CrossNamespaceRefRefused' });
      expect(ready.message).toContain(`spec.render.substituteFrom[0] names Secret/${other}/vars`);
      expect(ready.message).not.toContain('from-elsewhere');
      expect(conditionOf(await getGitSync(ns, 'app'), 'Stalled')).toMatchObject({ status: 'True', reason: 'CrossNamespaceRefRefused' });
    });
    expect(await configMapIn(ns, 'cfg')).toBeNull();
  });
});

describe('source addresses of GitSyncs', () => {
  it('refuses file:// (the agent’s own files) with a Stalled condition naming the field', async () => {
    const ns = await bed.cluster.newNamespace('tenant');
    await withAgent(ns, HTTP, async () => {
      await bed.client.create(gitSync(ns, 'local', 'file:///var/run/secrets/kubernetes.io/serviceaccount'));
      const ready = await settledReady(ns, 'local');
      expect(ready).toMatchObject({ status: 'False', reason: 'SourceURLRefused' });
      expect(ready.message).toContain('spec.source.url: file:///var/run/secrets/kubernetes.io/serviceaccount');
      expect(conditionOf(await getGitSync(ns, 'local'), 'Stalled')).toMatchObject({ status: 'True', reason: 'SourceURLRefused' });
    });
  });

  it('refuses plain http:// unless the agent runs with --allow-insecure-http', async () => {
    const ns = await bed.cluster.newNamespace('tenant');
    const repo = await bed.git.createRepo(ns);
    await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one') });
    await withAgent(ns, {}, async () => {
      await bed.client.create(gitSync(ns, 'app', repo.url));
      const ready = await settledReady(ns, 'app');
      expect(ready).toMatchObject({ status: 'False', reason: 'SourceURLRefused' });
      expect(ready.message).toContain('--allow-insecure-http');
    });
    expect(await configMapIn(ns, 'cfg')).toBeNull();
  });
});
