import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { CHARTS, copyCharts, packageChart, removeScratch, scratchDir } from '../support/charts.js';
import { startChartRepository, TEST_CA, type ChartRepository } from '../support/chart-repository.js';
import { ociRegistry, startOciRegistry } from '../support/oci-registry.js';

let cluster: TestCluster;
let repository: ChartRepository;
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 20, progressDeadlineMs: 300 });
  repository = await startChartRepository();
  for (const version of ['1.2.0', '1.2.3', '2.0.0']) await repository.publish(await packageChart('cache', { version }));
});
afterAll(async () => {
  await repository?.stop();
  await cluster?.stop();
  removeScratch();
});

const cli = (args: string[]) => runCli(['--kubeconfig', cluster.kubeconfigPath, ...args]);
const rows = (stdout: string) => stdout.trim().split('\n').slice(1).map((line) => line.split(/\s+/).slice(0, 5).join(' '));
const writes = () => (cluster.sim?.requests ?? []).filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && r.query.dryRun === undefined).length;

describe('ferry plan, diff and apply on charts', () => {
  it('plan renders a chart directory with no cluster, in apply order, each object at its template', async () => {
    // The source holds the chart and the file:// dependency beside it; --path names the chart.
    const result = await runCli(['plan', CHARTS, '--path', 'shop', '-n', 'shop', '--release-name', 'shop']);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(rows(result.stdout)).toEqual([
      '1 ServiceAccount shop shop shop/templates/serviceaccount.yaml:1',
      '2 ConfigMap shop shop-config shop/templates/configmap.yaml:1',
      '3 Service shop shop shop/templates/service.yaml:1',
      '3 Service shop shop-cache shop/charts/cache/templates/service.yaml:1',
      '4 Deployment shop shop shop/templates/deployment.yaml:1',
      '4 Deployment shop shop-cache shop/charts/cache/templates/deployment.yaml:1',
    ]);
  });

  it('plan takes a chart from a chart repository with --helm-repo, --chart and a --version range, and values with --values and --set', async () => {
    const values = join(scratchDir(), 'cache-values.yaml');
    writeFileSync(values, 'image:\n  repository: registry.example.com/redis\nport: 6380\n');
    const result = await runCli(['plan', '--helm-repo', repository.url, '--chart', 'cache', '--version', '~1.2.0', '--values', values, '--set', 'port=6390', '--release-name', 'orders', '-o', 'json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as { revision: string; objects: Array<{ kind: string; name: string; source: string }> };
    expect(plan.revision).toMatch(/^cache@1\.2\.3@sha256:[0-9a-f]{12}\+values\.[0-9a-f]{12}$/);
    expect(plan.objects.map((o) => `${o.kind}/${o.name} ${o.source}`)).toEqual(['Service/orders-cache templates/service.yaml:1', 'Deployment/orders-cache templates/deployment.yaml:1']);
    const rendered = await runCli(['plan', '--helm-repo', repository.url, '--chart', 'cache', '--version', '~1.2.0', '--values', values, '--set', 'port=6390', '-o', 'yaml']);
    expect(rendered.exitCode).toBe(0);
  });

  it('a private repository: --username, the password on stdin (--password-stdin) or in FERRY_HELM_PASSWORD, its CA with --ca-file — never in argv', async () => {
    const repo = await startChartRepository({ tls: true, auth: { username: 'ci', password: 'hunter2-secret' } });
    try {
      await repo.publish(await packageChart('cache', { version: '1.2.3' }));
      const ca = join(scratchDir(), 'repo-ca.crt');
      writeFileSync(ca, TEST_CA);
      const base = ['plan', '--helm-repo', repo.url, '--chart', 'cache', '-o', 'json'];
      const piped = await runCli([...base, '--username', 'ci', '--password-stdin', '--ca-file', ca], { stdin: 'hunter2-secret\n' });
      expect(piped.exitCode, piped.stderr).toBe(0);
      expect((JSON.parse(piped.stdout) as { revision: string }).revision).toMatch(/^cache@1\.2\.3@sha256:/);
      const fromEnv = await runCli([...base, '--username', 'ci', '--ca-file', ca], { env: { FERRY_HELM_PASSWORD: 'hunter2-secret' } });
      expect(fromEnv.exitCode, fromEnv.stderr).toBe(0);

      const untrusted = await runCli([...base, '--username', 'ci'], { env: { FERRY_HELM_PASSWORD: 'hunter2-secret' } });
      expect(untrusted.stderr).toContain('its TLS certificate is not trusted');
      const refused = await runCli([...base, '--username', 'ci', '--password-stdin', '--ca-file', ca], { stdin: 'wrong\n' });
      expect(refused.exitCode).toBe(2);
      expect(refused.stderr).toContain('HTTP 401');
      expect(refused.stderr).not.toContain('wrong');
      expect((await runCli([...base, '--password-stdin'], { stdin: 'x\n' })).stderr).toContain('--password-stdin needs --username');
    } finally {
      await repo.stop();
    }
  });

  it.skipIf(ociRegistry.skip)('plan takes a chart from an OCI registry', async () => {
    const registry = await startOciRegistry();
    try {
      await registry.push(await packageChart('cache', { version: '1.2.0' }));
      const result = await runCli(['plan', '--helm-repo', registry.url, '--chart', 'cache', '--plain-http', '-o', 'json']);
      expect(result.exitCode, result.stderr).toBe(0);
      expect((JSON.parse(result.stdout) as { revision: string }).revision).toMatch(/^cache@1\.2\.0@sha256:/);
    } finally {
      await registry.stop();
    }
  });

  it('a template error is located, and nothing would be applied (exit 2)', async () => {
    const result = await runCli(['plan', join(CHARTS, 'broken', 'required-value')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('templates/ingress.yaml:7:15: chart required-value 0.1.0: ingress.host must be set to the public host name\n');
    expect(result.stderr).toContain('error: 1 problem; nothing would be applied');
  });

  it('apply makes the chart healthy; applying the unchanged chart again writes nothing, and diff sees no change', async () => {
    const ns = await cluster.newNamespace('helm-cli');
    const dir = copyCharts();
    const first = await cli(['apply', dir, '--path', 'shop', '--name', 'web', '-n', ns, '--timeout', '20s', '-o', 'json']);
    expect(first.exitCode, first.stderr).toBe(0);
    const applied = JSON.parse(first.stdout) as { result: string; objects: Array<{ object: string; action: string; health: string }> };
    expect(applied.result).toBe('Synced');
    expect(applied.objects.map((o) => `${o.object} ${o.action} ${o.health}`).sort()).toEqual([
      `ConfigMap/${ns}/web-shop-config created Healthy`,
      `Deployment/${ns}/web-cache created Healthy`,
      `Deployment/${ns}/web-shop created Healthy`,
      `Service/${ns}/web-cache created Healthy`,
      `Service/${ns}/web-shop created Healthy`,
      `ServiceAccount/${ns}/web-shop created Healthy`,
    ]);
    const before = writes();
    const again = await cli(['apply', dir, '--path', 'shop', '--name', 'web', '-n', ns, '--timeout', '20s', '-o', 'json']);
    expect(again.exitCode, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { objects: Array<{ action: string }> }).objects.filter((o) => o.action !== 'unchanged')).toEqual([]);
    if (cluster.sim) expect(writes() - before).toBe(0);
    const diff = await cli(['diff', dir, '--path', 'shop', '--name', 'web', '-n', ns]);
    expect({ exitCode: diff.exitCode, stdout: diff.stdout }, diff.stderr).toEqual({ exitCode: 0, stdout: '' });
    // --set is a change: diff shows it, and apply makes it.
    const changed = await cli(['diff', dir, '--path', 'shop', '--name', 'web', '-n', ns, '--set', 'replicaCount=3']);
    expect(changed.exitCode).toBe(1);
    expect(changed.stdout).toMatch(/-\s+replicas: 2\n\+\s+replicas: 3/);
  });

  it('--help of plan, diff and apply lists the chart flags, and ferry --help says what a chart source is', async () => {
    for (const command of ['plan', 'diff', 'apply']) {
      const help = await runCli([command, '--help']);
      for (const flag of ['--helm-repo <url>', '--chart <name>', '--version <range>', '--values <file>', '--set <key=value>', '--username <name>', '--password-stdin', '--ca-file <file>']) expect(help.stdout, `${command} ${flag}`).toContain(flag);
    }
    const top = await runCli(['--help']);
    expect(top.stdout).toContain('a directory with a Chart.yaml renders with helm');
    expect(top.stdout).toContain('`lookup` is not available');
    expect((await runCli(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('a chart directory whose file:// dependency lies outside the source says so', async () => {
    const result = await runCli(['plan', join(CHARTS, 'shop')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('Chart.yaml:1:1: dependency cache: file://../cache points outside the repository');
  });

  it('refuses flags that do not fit together', async () => {
    expect((await runCli(['plan', '--chart', 'cache'])).stderr).toContain('--chart and --version need --helm-repo');
    expect((await runCli(['plan', '--helm-repo', repository.url])).stderr).toContain('--helm-repo needs --chart NAME');
    expect((await runCli(['plan', join(CHARTS, 'cache'), '--values', '/nonexistent/values.yaml'])).stderr).toContain('--values /nonexistent/values.yaml: no such file');
  });
});
