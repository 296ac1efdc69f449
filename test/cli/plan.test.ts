import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../support/cli.js';
import { startGitServer, type GitServer } from '../support/git-server.js';

const fixture = (path: string) => fileURLToPath(new URL(`../render/fixtures/${path}`, import.meta.url));

let server: GitServer;
let cacheDir: string;
beforeAll(async () => {
  server = await startGitServer();
  cacheDir = mkdtempSync(join(tmpdir(), 'ferry-cli-cache-'));
});
afterAll(async () => {
  await server.stop();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('ferry plan', () => {
  it('prints a directory’s objects in apply order with their source locations', async () => {
    const result = await runCli(['plan', fixture('ok/plain-dir/files')]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      ['LAYER   KIND         NAMESPACE   NAME         SOURCE', '1       ConfigMap    default     web-config   config.yaml:1', '2       Deployment   default     web          deploy.yaml:1', ''].join('\n'),
    );
    expect(result.stderr).toMatch(/revision sha256:[0-9a-f]{12}: 2 objects in 2 layers/);
  });

  it('prints JSON and YAML for machines', async () => {
    const json = JSON.parse((await runCli(['plan', fixture('ok/plain-dir/files'), '-o', 'json'])).stdout) as { objects: Array<{ kind: string; source: string }> };
    expect(json.objects.map((o) => [o.kind, o.source])).toEqual([
      ['ConfigMap', 'config.yaml:1'],
      ['Deployment', 'deploy.yaml:1'],
    ]);
    const yaml = parse((await runCli(['plan', fixture('ok/plain-dir/files'), '-o', 'yaml'])).stdout) as { layers: number };
    expect(yaml.layers).toBe(2);
  });

  it('renders a repository on a Git server at a ref and path', async () => {
    const repo = await server.createRepo('plan-repo');
    await repo.commitAndPush({ 'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-git\n', 'other/x.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: elsewhere\n' });
    await repo.tag('v1.0.0');
    const result = await runCli(['plan', repo.url, '--ref', 'semver:^1', '--path', 'apps/web', '-o', 'json'], { env: { FERRY_CACHE_DIR: cacheDir } });
    expect(result.exitCode).toBe(0);
    expect((JSON.parse(result.stdout) as { objects: Array<{ name: string }> }).objects.map((o) => o.name)).toEqual(['from-git']);
  });

  it('prints every problem with file and line and exits 2', async () => {
    const result = await runCli(['plan', fixture('bad/many-problems-at-once/files')]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('a.yaml:4:9: ConfigMap "A": must be a DNS-1123 subdomain');
    expect(result.stderr).toContain('a.yaml:6:1: apiVersion is missing');
    expect(result.stderr).toContain('b.yaml:2:1: ');
    expect(result.stderr).toContain('error: 3 problems; nothing would be applied');
  });

  it('exits 2 with a clear message for an unreachable repository', async () => {
    const result = await runCli(['plan', 'http://127.0.0.1:1/nothing.git'], { env: { FERRY_CACHE_DIR: cacheDir } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^fetching .*\nerror: http:\/\/127.0.0.1:1\/nothing.git: unreachable \(ECONNREFUSED\)\n$/);
  });
});
