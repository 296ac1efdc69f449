import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { objectKey, refOf } from '../../src/objects.js';
import { applyObjects } from '../../src/apply/index.js';
import { reconcile, DEFAULT_SETTINGS, type SyncSettings } from '../../src/sync/index.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { configMap } from './manifests.js';

let cluster: TestCluster;
const dirs: string[] = [];
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 20 });
});
afterAll(async () => {
  await cluster.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const badService = (ns: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { selector: { app: 'web' }, ports: [{ port: 99999 }] } });

describe('validation errors say where the object is defined', () => {
  it('names the file and line of each refused object, and writes nothing', async () => {
    const ns = await cluster.newNamespace('valid');
    const fine = configMap(ns, 'settings', { MODE: 'a' });
    const sources = new Map([
      [objectKey(refOf(fine)), 'apps/web/config.yaml:1'],
      [objectKey(refOf(badService(ns))), 'apps/web/service.yaml:14'],
    ]);
    const result = await applyObjects(cluster.client, { sync: `${ns}.app`, desired: [fine, badService(ns)], base: [], sources });
    expect(result.error?.message).toBe(`Service/${ns}/web (apps/web/service.yaml:14): invalid: spec.ports[0].port: Invalid value: 99999: must be between 1 and 65535, inclusive`);
    expect(result.entries.find((entry) => entry.action === 'failed')).toMatchObject({ ref: refOf(badService(ns)), source: 'apps/web/service.yaml:14' });
    expect(result.wrote).toBe(false);
    expect(await cluster.client.getOrNull(refOf(fine))).toBeNull();
  });

  it('a misspelt field is refused by the dry run, named with its file, line and field path, and nothing is written', async () => {
    const ns = await cluster.newNamespace('valid');
    const fine = configMap(ns, 'settings', { MODE: 'a' });
    const typo: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', imagePullPolice: 'Always' }] } },
      },
    };
    const sources = new Map([[objectKey(refOf(typo)), 'apps/web/deployment.yaml:1']]);
    const result = await applyObjects(cluster.client, { sync: `${ns}.app`, desired: [fine, typo], base: [], sources });
    expect(result.error?.message).toBe(`Deployment/${ns}/web (apps/web/deployment.yaml:1): unknown field "spec.template.spec.containers[0].imagePullPolice"`);
    expect(result.wrote).toBe(false);
    expect(await cluster.client.getOrNull(refOf(typo))).toBeNull();
    expect(await cluster.client.getOrNull(refOf(fine))).toBeNull();
  });

  it('a reconcile names the manifest file and line of the refused object', async () => {
    const ns = await cluster.newNamespace('valid');
    const dir = mkdtempSync(join(tmpdir(), 'ferry-rev-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'config.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  MODE: a\n');
    writeFileSync(
      join(dir, 'web.yaml'),
      'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n  - port: 99999\n',
    );
    const settings: SyncSettings = { ...DEFAULT_SETTINGS, namespace: ns, name: 'app', source: { type: 'directory', dir, path: '.' }, targetNamespace: ns, substitute: {}, substituteFrom: [], ignore: [], notify: [] } as SyncSettings;
    const outcome = await reconcile(settings, { client: cluster.client }, { pollIntervalMs: 20 });
    expect(outcome.result).toBe('Failed');
    expect(outcome.message).toContain(`Service/${ns}/web (web.yaml:6): invalid: spec.ports[0].port`);
    expect(await cluster.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' })).toBeNull();
  });
});
