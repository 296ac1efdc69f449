import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../src/objects.js';
import { formatRef, refOf } from '../../src/objects.js';
import { renderManifests } from '../../src/render/index.js';
import { openLocalTree } from '../../src/source/index.js';
import { reconcile, DEFAULT_SETTINGS } from '../../src/sync/index.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const build = (dir: string) => parseAllDocuments(execFileSync('kubectl', ['kustomize', `${ROOT}${dir}`], { encoding: 'utf8' })).map((d) => d.toJS() as KubeObject);

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 20, crdEstablishDelayMs: 20 });
});
afterAll(async () => cluster?.stop());

describe('the install manifests', () => {
  it('render with kubectl kustomize into the expected objects', () => {
    expect(build('manifests').map((o) => formatRef(refOf(o))).sort()).toEqual([
      'ClusterRole/ferry-agent',
      'ClusterRoleBinding/ferry-agent',
      'CustomResourceDefinition/gitsyncs.ferry.dev',
      'Deployment/ferry-system/ferry',
      'Namespace/ferry-system',
      'Service/ferry-system/ferry',
      'ServiceAccount/ferry-system/ferry',
    ]);
    const namespaced = build('manifests/namespaced').map((o) => o.kind);
    expect(namespaced).toContain('Role');
    expect(namespaced).not.toContain('ClusterRole');
  });

  it('run the agent hardened: non-root, read-only root filesystem, probes and resources', () => {
    const deployment = build('manifests').find((o) => o.kind === 'Deployment') as any;
    const container = deployment.spec.template.spec.containers[0];
    expect(deployment.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.resources.limits).toBeDefined();
    expect(container.volumeMounts.map((m: any) => m.mountPath)).toContain('/cache');
  });

  it('apply to the API server with ferry itself, and become healthy', async () => {
    const outcome = await reconcile(
      {
        ...DEFAULT_SETTINGS,
        namespace: 'default',
        name: 'ferry-install',
        source: { type: 'directory', dir: `${ROOT}manifests`, path: '.' },
        substitute: {},
        substituteFrom: [],
        suspend: false,
        ignore: [],
        notify: [],
        healthTimeoutMs: 10_000,
        renderType: 'kustomize',
      },
      { client: cluster.client },
      { pollIntervalMs: 50 },
    );
    expect(outcome.result).toBe('Synced');
    expect(await cluster.client.resourceFor('ferry.dev/v1alpha1', 'GitSync')).toMatchObject({ name: 'gitsyncs', namespaced: true });
  });

  it('the CRD validates GitSyncs and fills in the documented defaults', async () => {
    const crd = (await renderManifests({ tree: await openLocalTree(`${ROOT}manifests/base`), type: 'plain' })).objects.find((o) => o.object.kind === 'CustomResourceDefinition')?.object as any;
    const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;
    expect(spec.prune.default).toBe(true);
    expect(spec.selfHeal.default).toBe(true);
    expect(spec.historyLimit.default).toBe(10);
    expect(spec.health.properties.timeout.default).toBe('5m');
    expect(crd.spec.names.shortNames).toEqual(['gs']);
    expect(crd.spec.versions[0].additionalPrinterColumns.map((c: any) => c.name)).toEqual(['URL', 'Revision', 'Ready', 'Health', 'Drift', 'Age']);
  });
});
