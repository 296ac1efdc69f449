import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSyncName } from '../../src/cli/source-arg.js';
import { runCli } from '../support/cli.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;
let root: string;
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 20 });
  root = mkdtempSync(join(tmpdir(), 'ferry-names-'));
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(root, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(['--kubeconfig', cluster.kubeconfigPath, ...args]);

describe('the default sync name: one rule for every command', () => {
  it.each([
    ['https://git.example.com/platform/Shop-Deploy.git', 'shop-deploy'],
    ['https://git.example.com:8443/platform/shop/', 'shop'],
    ['git@github.com:platform/shop.git', 'shop'],
    ['ssh://git@git.example.com/platform/shop.git?ref=main', 'shop'],
    ['./examples/My_App', 'my-app'],
    ['.', basename(process.cwd()).toLowerCase().replace(/[^a-z0-9-]+/g, '-')],
    ['package.json', 'package'],
  ])('%s syncs as %s', (source, name) => {
    expect(defaultSyncName(source)).toBe(name);
  });

  it('apply and diff without --name speak of the same sync: the diff after an apply shows no change', async () => {
    const ns = await cluster.newNamespace('names');
    const dir = join(root, 'web-shop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  level: info\n');
    expect((await cli(['apply', dir, '-n', ns])).exitCode).toBe(0);
    const live = await cluster.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' });
    expect(live.metadata.labels?.['ferry.dev/sync']).toBe(`${ns}.web-shop`);
    const diff = await cli(['diff', dir, '-n', ns]);
    expect({ exitCode: diff.exitCode, stdout: diff.stdout }).toEqual({ exitCode: 0, stdout: '' });
    expect(diff.stderr).toContain('0 to create, 0 to change, 0 to delete, 1 unchanged');
  });

  it('a manifest file is a source too, named after the file', async () => {
    const ns = await cluster.newNamespace('names');
    const file = join(root, 'install.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: installed\n');
    writeFileSync(join(root, 'broken.yaml'), 'kind: [');
    expect((await cli(['apply', file, '-n', ns])).exitCode).toBe(0);
    const live = await cluster.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'installed' });
    expect(live.metadata.labels?.['ferry.dev/sync']).toBe(`${ns}.install`);
    expect((await cli(['diff', file, '-n', ns])).exitCode).toBe(0);
  });
});

describe('ferry --help says what a source is and that substitution is opt-in', () => {
  it.each([[['--help']], [['apply', '--help']], [['diff', '--help']], [['plan', '--help']]])('ferry %s', async (args) => {
    const { stdout, exitCode } = await runCli(args);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/a manifest file/);
    expect(stdout.replace(/\s+/g, ' ')).toMatch(/substitution is off unless|substitution with this value \(repeatable; off unless given\)/);
  });
});

