import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../src/objects.js';
import { eventually, simOnly } from '../support/cluster.js';
import { conditionOf, startBed, type Bed } from '../agent/harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');
const documents = (yaml: string) => parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject).filter(Boolean);

let bed: Bed;
beforeAll(async () => {
  bed = await startBed();
});
afterAll(async () => bed?.stop());

const getGitSync = (ns: string, name: string) => bed.client.getOrNull({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name });
const appliedRevision = async (ns: string, name: string) => ((await getGitSync(ns, name))?.status as Record<string, unknown> | undefined)?.lastAppliedRevision;

describe.skipIf(simOnly.skip)('examples/tenants: a platform namespace and two tenants, run by the cluster-wide install', () => {
  it('lets each tenant sync into its own namespace as its own service account, and nowhere else', async () => {
    // The cluster-wide install: its namespace, the agent's service account and RBAC (the CRD is the bed's).
    await bed.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ferry-system' } } as KubeObject);
    for (const object of documents(read('manifests/rbac.yaml'))) await bed.client.create(object);
    const agentCredentials = bed.cluster.sim!.addServiceAccountToken('ferry-system', 'ferry');

    // The repositories: the platform's (holding examples/tenants/platform) and each tenant's.
    const platform = await bed.git.createRepo('platform');
    const teamA = await bed.git.createRepo('team-a');
    const teamB = await bed.git.createRepo('team-b');
    const firstA = await teamA.commitAndPush({ 'deploy/web.yaml': read('examples/tenants/team-a/web.yaml') });
    await teamB.commitAndPush({ 'deploy/web.yaml': read('examples/tenants/team-a/web.yaml').replaceAll('team-a', 'team-b') });
    const withUrls = (yaml: string) =>
      yaml
        .replace('https://git.example.com/platform/deploy.git', platform.url)
        .replace('https://git.example.com/team-a/apps.git', teamA.url)
        .replace('https://git.example.com/team-b/apps.git', teamB.url);
    await platform.commitAndPush({
      'examples/tenants/platform/team-a.yaml': withUrls(read('examples/tenants/platform/team-a.yaml')),
      'examples/tenants/platform/team-b.yaml': withUrls(read('examples/tenants/platform/team-b.yaml')),
    });

    // The platform team bootstraps once with kubectl; the agent runs with the flags the example names.
    for (const object of documents(withUrls(read('examples/tenants/bootstrap.yaml')))) await bed.client.create(object);
    const running = await bed.startAgent({
      kubeconfig: agentCredentials.kubeconfigPath,
      tenancy: { defaultServiceAccount: 'default', noCrossNamespaceRefs: true, allowInsecureHttp: true },
    });

    await eventually(async () => (await appliedRevision('team-a', 'apps')) === firstA, 30_000);
    await eventually(async () => (await appliedRevision('team-b', 'apps')) !== undefined, 30_000);
    const web = await bed.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'team-a', name: 'web' });
    expect(web.data).toEqual({ greeting: 'hello from team-a' });

    // team-a tries to write into team-b: its service account may not, and nothing of that revision is written.
    await teamA.commitAndPush({
      'deploy/web.yaml': read('examples/tenants/team-a/web.yaml').replace('hello from team-a', 'changed'),
      'deploy/intrude.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: intruder\n  namespace: team-b\ndata: {}\n',
    });
    running.agent.trigger('team-a', 'apps');
    const ready = await eventually(async () => {
      const condition = conditionOf(await getGitSync('team-a', 'apps'), 'Ready');
      return condition?.status === 'False' ? condition : undefined;
    }, 30_000);
    expect(ready.message).toMatch(/ConfigMap\/team-b\/intruder\b.*: system:serviceaccount:team-a:deployer may not/);
    expect(await bed.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'team-b', name: 'intruder' })).toBeNull();
    expect((await bed.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'team-a', name: 'web' })).data).toEqual({ greeting: 'hello from team-a' });
  });
});
