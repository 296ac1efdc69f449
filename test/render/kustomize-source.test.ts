import { describe, expect, it } from 'vitest';
import { formatRef, refOf } from '../../src/objects.js';
import { renderManifests } from '../../src/render/index.js';
import { configMap, treeOf } from './support.js';

const serviceAccount = 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  labels: {app: reporter}\n  name: reporter\n';
const role = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reporter\nrules: []\n';

const sources = async (files: Record<string, string>, path: string) =>
  Object.fromEntries((await renderManifests({ tree: treeOf(files), path })).objects.map((o) => [formatRef(refOf(o.object)), `${o.source.file}:${o.source.line}`]));

describe('SOURCE of kustomize output names where the object came from', () => {
  it('the file of the build, not an identical object in another directory', async () => {
    const files = {
      'examples/autosharding/kustomization.yaml': 'resources: [sa.yaml, role.yaml]\n',
      'examples/autosharding/sa.yaml': serviceAccount,
      'examples/autosharding/role.yaml': role,
      'examples/standard/kustomization.yaml': 'resources: [role.yaml, sa.yaml]\nnamePrefix: std-\n',
      'examples/standard/sa.yaml': serviceAccount,
      'examples/standard/role.yaml': role,
    };
    expect(await sources(files, 'examples/standard')).toEqual({
      'ClusterRole/std-reporter': 'examples/standard/role.yaml:4',
      'ServiceAccount/default/std-reporter': 'examples/standard/sa.yaml:5',
    });
  });

  it('the document of the right kind and name within a multi-document file, not the first line that mentions the name', async () => {
    const files = {
      'app/kustomization.yaml': 'resources: [all.yaml]\n',
      'app/all.yaml': `${configMap('web', { name: 'api' })}---\n${configMap('api')}`,
    };
    expect(await sources(files, 'app')).toEqual({ 'ConfigMap/default/web': 'app/all.yaml:4', 'ConfigMap/default/api': 'app/all.yaml:11' });
  });

  it('a generated object points at its generator; one from no file at the kustomization', async () => {
    const files = {
      'app/kustomization.yaml': 'resources: [web.yaml]\nconfigMapGenerator:\n  - name: settings\n    literals: [LEVEL=info]\nsecretGenerator:\n  - name: token\n    literals: [TOKEN=abc]\n',
      'app/web.yaml': configMap('web'),
    };
    const found = await sources(files, 'app');
    expect(Object.entries(found).map(([ref, at]) => `${ref.replace(/-[a-z0-9]{10}$/, '-HASH')} ${at}`).sort()).toEqual([
      'ConfigMap/default/settings-HASH app/kustomization.yaml:3',
      'ConfigMap/default/web app/web.yaml:4',
      'Secret/default/token-HASH app/kustomization.yaml:6',
    ]);
  });
});
