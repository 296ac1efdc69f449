import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { eventually, simOnly, startTestCluster, type TestCluster } from '../support/cluster.js';

let cluster: TestCluster;
let root: string;
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 20, progressDeadlineMs: 300 });
  root = mkdtempSync(join(tmpdir(), 'ferry-cli-'));
});
afterAll(async () => {
  await cluster.stop();
  rmSync(root, { recursive: true, force: true });
});

function writeRevision(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content);
  return dir;
}
const cm = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;
const secret = (value: string) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: "${value}"\n`;
const cli = (args: string[]) => runCli(['--kubeconfig', cluster.kubeconfigPath, ...args]);

describe('ferry apply and ferry diff', () => {
  it('applies a directory, prints the result table, and records history', async () => {
    const ns = await cluster.newNamespace('cli');
    const dir = writeRevision(`${ns}-v1`, { 'a.yaml': cm('settings', 'one'), 's.yaml': secret('hunter2-planted') });
    const result = await cli(['apply', dir, '--name', 'shop', '-n', ns, '--timeout', '10s']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^OBJECT\s+ACTION\s+HEALTH\s+MESSAGE\n/);
    expect(result.stdout).toMatch(new RegExp(`ConfigMap/${ns}/settings\\s+created\\s+Healthy`));
    expect(result.stderr).toContain('layer 1/1');
    expect(result.stderr).toMatch(/Synced: applied sha256:[0-9a-f]{12}: 2 created/);
    const history = await cli(['history', 'shop', '-n', ns]);
    expect(history.exitCode).toBe(2); // no GitSync named shop: history is per GitSync
  });

  it('diff exits 0 without changes, 1 with changes, and never prints Secret values', async () => {
    const ns = await cluster.newNamespace('cli');
    const v1 = writeRevision(`${ns}-v1`, { 'a.yaml': cm('settings', 'one'), 's.yaml': secret('hunter2-planted') });
    await cli(['apply', v1, '--name', 'shop', '-n', ns]);
    const same = await cli(['diff', v1, '--name', 'shop', '-n', ns]);
    expect(same).toMatchObject({ exitCode: 0, stdout: '' });
    expect(same.stderr).toContain('0 to create, 0 to change, 0 to delete, 2 unchanged');
    const v2 = writeRevision(`${ns}-v2`, { 'a.yaml': cm('settings', 'two'), 's.yaml': secret('new-planted-value'), 'b.yaml': cm('added', 'x') });
    const changed = await cli(['diff', v2, '--name', 'shop', '-n', ns]);
    expect(changed.exitCode).toBe(1);
    expect(changed.stdout).toContain('-  value: one');
    expect(changed.stdout).toContain('+  value: two');
    expect(changed.stdout).toContain('password: "*** (changed)"');
    expect(changed.stderr).toContain('1 to create, 2 to change, 0 to delete, 0 unchanged');
    const json = await cli(['diff', v2, '--name', 'shop', '-n', ns, '-o', 'json']);
    for (const output of [changed.stdout, changed.stderr, json.stdout]) {
      for (const planted of ['hunter2-planted', 'new-planted-value', Buffer.from('hunter2-planted').toString('base64'), Buffer.from('new-planted-value').toString('base64')]) {
        expect(output).not.toContain(planted);
      }
    }
  });

  it.skipIf(simOnly.skip)('diff does not offer to create again a finished Job the TTL controller removed', async () => {
    const ns = await cluster.newNamespace('cli');
    const job = `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  ttlSecondsAfterFinished: 300\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - {name: migrate, image: shop/migrations:41}\n`;
    const dir = writeRevision(`${ns}-jobs`, { 'migrate.yaml': job, 'a.yaml': cm('settings', 'one') });
    expect((await cli(['apply', dir, '--name', 'shop', '-n', ns])).exitCode).toBe(0);
    const ref = { apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: 'migrate' };
    await eventually(async () => ((await cluster.client.get(ref)).status as any)?.conditions?.some((c: any) => c.type === 'Complete' && c.status === 'True'));
    cluster.sim!.deleteObject('batch/v1', 'Job', 'migrate', ns);

    const diff = await cli(['diff', dir, '--name', 'shop', '-n', ns]);
    expect({ exitCode: diff.exitCode, stdout: diff.stdout }, diff.stderr).toEqual({ exitCode: 0, stdout: '' });
    expect(diff.stderr).toContain(`Job/${ns}/migrate: finished and removed by the TTL controller`);
    expect(diff.stderr).toContain('0 to create, 0 to change, 0 to delete, 1 unchanged');
  });

  it('diff --prune shows as deletions only what prune would delete', async () => {
    const ns = await cluster.newNamespace('cli');
    const v1 = writeRevision(`${ns}-prune-v1`, { 'a.yaml': cm('settings', 'one'), 'b.yaml': cm('old', 'x'), 'c.yaml': cm('pinned', 'x'), 'd.yaml': cm('taken', 'x') });
    expect((await cli(['apply', v1, '--name', 'shop', '-n', ns])).exitCode).toBe(0);
    const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
    await cluster.client.mergePatch(ref('pinned'), { metadata: { annotations: { 'ferry.dev/prune': 'false' } } });
    await cluster.client.mergePatch(ref('taken'), { metadata: { labels: { 'ferry.dev/sync': null } } });

    const v2 = writeRevision(`${ns}-prune-v2`, { 'a.yaml': cm('settings', 'one') });
    const diff = await cli(['diff', v2, '--name', 'shop', '-n', ns, '--prune']);
    expect(diff.exitCode).toBe(1);
    expect(diff.stdout).toContain(`# ConfigMap/${ns}/old (delete)`);
    expect(diff.stdout).not.toContain('pinned');
    expect(diff.stdout).not.toContain('taken');
    expect(diff.stderr).toContain('0 to create, 0 to change, 1 to delete, 1 unchanged');
  });

  it('diff exits 2 on an error', async () => {
    const result = await cli(['diff', writeRevision('broken', { 'a.yaml': 'kind: [' }), '-n', 'default']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error: rendering failed with 1 problem:\na.yaml:1:/);
  });

  it('apply exits 1 and says so when a revision fails and is rolled back', async () => {
    const ns = await cluster.newNamespace('cli');
    const deployment = (image: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: "${image}"}]\n`;
    expect((await cli(['apply', writeRevision(`${ns}-good`, { 'd.yaml': deployment('nginx:1.25') }), '--name', 'web', '-n', ns, '--timeout', '10s'])).exitCode).toBe(0);
    const bad = await cli(['apply', writeRevision(`${ns}-bad`, { 'd.yaml': deployment('nginx:broken') }), '--name', 'web', '-n', ns, '--timeout', '10s']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('rollback');
    expect(bad.stderr).toMatch(/RolledBack: revision sha256:[0-9a-f]{12} failed/);
    // Applying it again is an explicit retry, not "Unchanged": it fails again, and says so.
    const again = await cli(['apply', writeRevision(`${ns}-bad-again`, { 'd.yaml': deployment('nginx:broken') }), '--name', 'web', '-n', ns, '--timeout', '10s']);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/RolledBack: revision sha256:[0-9a-f]{12} failed/);
  });

  it('--dry-run validates against the server and writes nothing', async () => {
    const ns = await cluster.newNamespace('cli');
    const result = await cli(['apply', writeRevision(`${ns}-dry`, { 'a.yaml': cm('dry', 'x') }), '--name', 'd', '-n', ns, '--dry-run', '-o', 'json']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ result: 'DryRun', objects: [{ object: `ConfigMap/${ns}/dry`, action: 'created' }] });
    expect(await cluster.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'dry' })).toBeNull();
  });
});
