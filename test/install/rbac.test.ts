/**
 * The install RBAC, proven against the simulator's RBAC (which authorizes as kube-apiserver does):
 * the agent runs as the install's own service account, with nothing but what the manifests grant.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runAgent, type RunningAgent } from '../../src/agent/index.js';
import { KubeClient } from '../../src/kube/index.js';
import { silentLogger } from '../../src/log/index.js';
import type { KubeObject } from '../../src/objects.js';
import { GitSource } from '../../src/source/index.js';
import { reconcile, DEFAULT_SETTINGS, type SyncSettings } from '../../src/sync/index.js';
import { conditionOf, gitSync } from '../agent/harness.js';
import { eventually, startTestCluster, type TestCluster } from '../support/cluster.js';
import { startGitServer, type GitServer } from '../support/git-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AGENT_NAMESPACE = 'ferry-system';
/** How long an agent may take to get somewhere on a loaded machine (a bound on waiting, not a timing claim). */
const PATIENCE_MS = 60_000;
const build = (dir: string) => parseAllDocuments(execFileSync('kubectl', ['kustomize', `${ROOT}${dir}`], { encoding: 'utf8' })).map((d) => d.toJS() as KubeObject);

let cluster: TestCluster;
let server: GitServer;
let cacheRoot: string;
const agents: RunningAgent[] = [];
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 20, crdEstablishDelayMs: 20, progressDeadlineMs: 400 });
  server = await startGitServer();
  cacheRoot = mkdtempSync(join(tmpdir(), 'ferry-install-rbac-'));
});
afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.shutdown(1000).catch(() => undefined);
  // The next spec's agent starts with an empty ferry-system: no GitSync of this one left to sync.
  for (const gitsync of await cluster.client.list('ferry.dev/v1alpha1', 'GitSync', { namespace: AGENT_NAMESPACE })) {
    const ref = { apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: AGENT_NAMESPACE, name: gitsync.metadata.name };
    await cluster.client.mergePatch(ref, { metadata: { finalizers: null } });
    await cluster.client.delete(ref).catch(() => undefined);
  }
});
afterAll(async () => {
  await server?.stop();
  await cluster?.stop();
  rmSync(cacheRoot, { recursive: true, force: true });
});

/**
 * Installs what `kubectl apply -k <dir>` would, as the cluster admin, except the agent's
 * Deployment (the test runs the agent itself), and returns a client with the agent's token.
 * The simulator holds one cluster for the whole file: both variants share the ferry-system
 * names, so each spec removes the other's RBAC first.
 */
async function install(dir: string): Promise<KubeClient> {
  const admin = cluster.client;
  for (const name of ['ferry-agent']) {
    await admin.delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name }).catch(() => undefined);
    await admin.delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', namespace: AGENT_NAMESPACE, name }).catch(() => undefined);
  }
  for (const object of build(dir)) {
    if (object.kind === 'Deployment' || object.kind === 'Service') continue;
    const existing = await admin.getOrNull({ apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}) });
    if (existing) await admin.replace({ ...object, metadata: { ...object.metadata, resourceVersion: existing.metadata.resourceVersion } });
    else await admin.create(object);
    if (object.kind === 'CustomResourceDefinition') {
      await eventually(() => admin.resourceFor('ferry.dev/v1alpha1', 'GitSync').catch(() => undefined));
    }
  }
  cluster.sim!.resetRequests();
  const credentials = cluster.sim!.addServiceAccountToken(AGENT_NAMESPACE, 'ferry');
  return KubeClient.fromConfig({ kubeconfig: credentials.kubeconfigPath, retry: { baseDelayMs: 20, maxDelayMs: 200, maxRetries: 2 } });
}

async function startAgentAs(client: KubeClient, options: { namespace?: string; allowedTargetNamespaces?: string[] } = {}): Promise<RunningAgent> {
  const agent = await runAgent({
    client,
    logger: silentLogger(),
    cacheDir: join(cacheRoot, `agent-${agents.length}-${Date.now()}`),
    port: 0,
    concurrency: 4,
    resyncMs: 100,
    failureBackoffMs: 50,
    leaderElection: { namespace: AGENT_NAMESPACE, identity: 'ferry-0', leaseDurationMs: 1000 },
    ...(options.namespace ? { namespace: options.namespace } : {}),
    tenancy: { allowInsecureHttp: true, ...(options.allowedTargetNamespaces ? { allowedTargetNamespaces: options.allowedTargetNamespaces } : {}) },
  });
  agents.push(agent);
  return agent;
}

/**
 * A GitSync whose repository does not exist fails the same way at every poll: the agent counts the
 * repeats on one Event (create, then get and patch), so its RBAC must allow all three.
 */
async function expectRepeatedEventCounted(namespace: string, url: string, name = 'missing-repo'): Promise<void> {
  await cluster.client.create(gitSync(namespace, name, url));
  const event = await eventually(async () => {
    const list = await cluster.client.list('v1', 'Event', { namespace });
    return list.find((e) => (e.involvedObject as { name?: string }).name === name && Number(e.count) >= 2);
  }, PATIENCE_MS);
  expect(event).toMatchObject({ reason: 'SourceUnavailable', type: 'Warning', source: { component: 'ferry-agent' } });
}

/** What the agent's service account was refused: nothing, for an install that works. */
function refusedToTheAgent(): string[] {
  return cluster.sim!.requests.filter((r) => r.user === `system:serviceaccount:${AGENT_NAMESPACE}:ferry` && r.status === 403).map((r) => `${r.method} ${r.path}`);
}

/** An operator as its repository ships it: a CRD, RBAC that grants `*` and binds cluster-admin, and its Deployment. */
const OPERATOR = {
  'deploy/crd.yaml': `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
`,
  'deploy/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: widget-system\n',
  'deploy/rbac.yaml': `apiVersion: v1
kind: ServiceAccount
metadata:
  name: widget-operator
  namespace: widget-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: widget-operator
rules:
- apiGroups: ["*"]
  resources: ["*"]
  verbs: ["*"]
- nonResourceURLs: ["*"]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: widget-operator-admin
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: ServiceAccount, name: widget-operator, namespace: widget-system}
`,
  'deploy/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: widget-operator
  namespace: widget-system
spec:
  replicas: 1
  selector: {matchLabels: {app: widget-operator}}
  template:
    metadata: {labels: {app: widget-operator}}
    spec:
      serviceAccountName: widget-operator
      containers: [{name: operator, image: "example.com/widget-operator:1.4.2"}]
`,
};

const settingsFor = (dir: string, overrides: Partial<SyncSettings>): SyncSettings => ({
  ...DEFAULT_SETTINGS,
  namespace: AGENT_NAMESPACE,
  name: 'app',
  source: { type: 'directory', dir, path: '.' },
  substitute: {},
  substituteFrom: [],
  suspend: false,
  ignore: [],
  notify: [],
  healthTimeoutMs: 5_000,
  renderType: 'plain',
  ...overrides,
});

describe('the cluster-wide install', () => {
  it('lets the agent, as its own service account, install an operator (CRD, ClusterRole with *, a binding to cluster-admin, Deployment) and record events', async () => {
    const agentClient = await install('manifests');
    const repo = await server.createRepo('operator');
    await repo.commitAndPush(OPERATOR);
    await startAgentAs(agentClient, { allowedTargetNamespaces: ['*'] });
    const admin = cluster.client;
    await admin.create(gitSync(AGENT_NAMESPACE, 'widget-operator', repo.url, { targetNamespace: 'widget-system' }));

    const synced = await eventually(async () => {
      const object = await admin.getOrNull({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: AGENT_NAMESPACE, name: 'widget-operator' });
      const ready = conditionOf(object, 'Ready');
      return ready && ready.reason !== 'Progressing' && ready.reason !== 'Reconciling' ? { object, ready } : undefined;
    }, PATIENCE_MS);
    expect(synced.ready, JSON.stringify(synced.ready)).toMatchObject({ status: 'True' });
    expect(await admin.getOrNull({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: 'widget-operator-admin' })).toMatchObject({ roleRef: { name: 'cluster-admin' } });
    expect(await admin.getOrNull({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'widget-operator' })).not.toBeNull();
    expect(await admin.getOrNull({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'widget-system', name: 'widget-operator' })).not.toBeNull();

    await eventually(async () => (await admin.list('v1', 'Event', { namespace: AGENT_NAMESPACE })).find((e) => (e.involvedObject as { name?: string }).name === 'widget-operator' && e.reason === 'Synced'), PATIENCE_MS);
    expect(refusedToTheAgent()).toEqual([]);
  });

  it('lets the agent count a repeated Event on one Event (create, then get and patch)', async () => {
    await startAgentAs(await install('manifests'), { allowedTargetNamespaces: ['*'] });
    await expectRepeatedEventCounted(AGENT_NAMESPACE, server.repoUrl('no-such-repo'));
    expect(refusedToTheAgent()).toEqual([]);
  });
});

describe('the namespaced install', () => {
  it('syncs a GitSync of its namespace as its own service account, with history, events and leader election', async () => {
    const agentClient = await install('manifests/namespaced');
    const repo = await server.createRepo('app');
    await repo.commitAndPush({
      'deploy/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  MODE: prod\n',
      'deploy/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-db\nstringData:\n  password: not-in-history-1234\n',
      'deploy/web.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: "nginx:1.27"}]\n',
    });
    await startAgentAs(agentClient, { namespace: AGENT_NAMESPACE });
    const admin = cluster.client;
    await admin.create(gitSync(AGENT_NAMESPACE, 'web', repo.url));

    const ready = await eventually(async () => {
      const condition = conditionOf(await admin.getOrNull({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: AGENT_NAMESPACE, name: 'web' }), 'Ready');
      return condition?.status === 'True' ? condition : undefined;
    }, PATIENCE_MS);
    expect(ready.reason).toBe('Synced');
    expect(await admin.getOrNull({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: AGENT_NAMESPACE, name: 'web' })).not.toBeNull();
    expect(await admin.list('v1', 'Secret', { namespace: AGENT_NAMESPACE, labelSelector: 'ferry.dev/history=web' })).toHaveLength(1);
    await eventually(async () => (await admin.list('v1', 'Event', { namespace: AGENT_NAMESPACE })).find((e) => (e.involvedObject as { name?: string }).name === 'web' && e.reason === 'Synced'), PATIENCE_MS);
    expect(refusedToTheAgent()).toEqual([]);
  });

  it('lets the agent count a repeated Event on one Event (create, then get and patch)', async () => {
    await startAgentAs(await install('manifests/namespaced'), { namespace: AGENT_NAMESPACE });
    await expectRepeatedEventCounted(AGENT_NAMESPACE, server.repoUrl('no-such-repo-either'), 'missing-repo-2');
    expect(refusedToTheAgent()).toEqual([]);
  });

  it('cannot write to another namespace: the sync fails naming the object, and nothing is written', async () => {
    const agentClient = await install('manifests/namespaced');
    const other = await cluster.newNamespace('tenant');
    const dir = mkdtempSync(join(cacheRoot, 'rev-'));
    execFileSync('sh', ['-c', `printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: here\\n  namespace: ${AGENT_NAMESPACE}\\n---\\napiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: there\\n  namespace: ${other}\\n' > ${dir}/objects.yaml`]);

    const outcome = await reconcile(settingsFor(dir, { name: 'elsewhere', targetNamespace: AGENT_NAMESPACE }), { client: agentClient, git: new GitSource({ cacheDir: join(cacheRoot, 'cli') }) });

    expect(outcome.result).toBe('Failed');
    expect(outcome.message).toContain(`ConfigMap/${other}/there`);
    expect(outcome.message).toMatch(/forbidden/);
    expect(await cluster.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: other, name: 'there' })).toBeNull();
    expect(await cluster.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: AGENT_NAMESPACE, name: 'here' })).toBeNull();
  });

  it('cannot write cluster-scoped objects: the sync fails naming the object, and nothing is written', async () => {
    const agentClient = await install('manifests/namespaced');
    const dir = mkdtempSync(join(cacheRoot, 'rev-'));
    execFileSync('sh', ['-c', `printf 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: cfg\\n---\\napiVersion: rbac.authorization.k8s.io/v1\\nkind: ClusterRoleBinding\\nmetadata:\\n  name: ferry-is-admin\\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\\nsubjects:\\n- {kind: ServiceAccount, name: ferry, namespace: ${AGENT_NAMESPACE}}\\n---\\napiVersion: v1\\nkind: Namespace\\nmetadata:\\n  name: made-by-ferry\\n' > ${dir}/objects.yaml`]);

    const outcome = await reconcile(settingsFor(dir, { name: 'cluster', targetNamespace: AGENT_NAMESPACE }), { client: agentClient });

    expect(outcome.result).toBe('Failed');
    expect(outcome.message).toMatch(/Namespace\/made-by-ferry|ClusterRoleBinding\/ferry-is-admin/);
    expect(outcome.message).toMatch(/forbidden/);
    expect(await cluster.client.getOrNull({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: 'ferry-is-admin' })).toBeNull();
    expect(await cluster.client.getOrNull({ apiVersion: 'v1', kind: 'Namespace', name: 'made-by-ferry' })).toBeNull();
    expect(await cluster.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: AGENT_NAMESPACE, name: 'cfg' })).toBeNull();
  });
});
