/**
 * The corpus: repository layouts in the shapes real projects publish (test/fixtures/repos), each
 * applied to the API simulator through the real CLI as a new user would — no flags beyond the
 * source, the path and the namespace — then applied again (zero writes) and diffed (no changes).
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../support/cli.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { startGitServer, type GitServer, type TestRepo } from '../support/git-server.js';

const REPOS = fileURLToPath(new URL('../fixtures/repos/', import.meta.url));

let cluster: TestCluster;
let git: GitServer;
let scratch: string;
beforeAll(async () => {
  cluster = await startTestCluster({ controllerDelayMs: 20 });
  git = await startGitServer();
  scratch = mkdtempSync(join(tmpdir(), 'ferry-corpus-'));
});
afterAll(async () => {
  await cluster?.stop();
  await git?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(['--kubeconfig', cluster.kubeconfigPath, ...args], { env: { FERRY_CACHE_DIR: join(scratch, 'cache') } });

/** Every file of a fixture repository, by repository path, with `rename` applied to each text. */
function fixtureFiles(name: string, rename: Record<string, string> = {}): Record<string, string> {
  const root = join(REPOS, name);
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else files[relative(root, full)] = Object.entries(rename).reduce((text, [from, to]) => text.split(from).join(to), readFileSync(full, 'utf8'));
    }
  };
  walk(root);
  return files;
}

/** The fixture as a directory of its own (edits never touch the fixture itself). */
function fixtureCopy(name: string): string {
  const dir = join(scratch, `${name}-${randomBytes(3).toString('hex')}`);
  cpSync(join(REPOS, name), dir, { recursive: true });
  return dir;
}

/** The fixture pushed as the first commit of a real Git repository on the test server. */
async function fixtureRepo(name: string, rename: Record<string, string> = {}): Promise<TestRepo> {
  const repo = await git.createRepo(`${name}-${randomBytes(3).toString('hex')}`);
  await repo.commitAndPush(fixtureFiles(name, rename), `import ${name}`);
  return repo;
}

/** Writes the simulator saw (dry runs are not writes). */
function writeCount(): number {
  return (cluster.sim?.requests ?? []).filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && r.query.dryRun === undefined).length;
}

interface ApplyJson {
  result: string;
  message: string;
  objects: Array<{ object: string; action: string; health: string; message: string }>;
}

/** `ferry apply … -o json`, failing the test with ferry's own words when it does not succeed. */
async function apply(args: string[]): Promise<ApplyJson> {
  const result = await cli(['apply', ...args, '--timeout', '30s', '-o', 'json']);
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as ApplyJson;
}

/** The second apply writes nothing and `ferry diff` (same source, no --name) sees no change. */
async function expectSettled(args: string[]): Promise<void> {
  const before = writeCount();
  const again = await apply(args);
  expect(again.objects.filter((o) => o.action !== 'unchanged')).toEqual([]);
  if (cluster.sim) expect(writeCount() - before).toBe(0);
  const diff = await cli(['diff', ...args]);
  expect({ exitCode: diff.exitCode, stdout: diff.stdout }, diff.stderr).toEqual({ exitCode: 0, stdout: '' });
}

const configMapData = (namespace: string, name: string) => cluster.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name }).then((cm) => cm.data as Record<string, string>);
const fixtureData = (name: string, file: string, index = 0) => (parse(readFileSync(join(REPOS, name, file), 'utf8').split(/^---$/m)[index] as string) as { data: Record<string, string> }).data;

describe('the corpus: real repository layouts sync on the first try', () => {
  it('a monitoring stack whose ConfigMaps are full of ${...} applies verbatim: substitution is off unless asked for', async () => {
    const ns = await cluster.newNamespace('monitoring');
    const dir = fixtureCopy('monitoring-stack');
    const applied = await apply([dir, '-n', ns]);
    expect(applied.result).toBe('Synced');
    expect(applied.objects.map((o) => `${o.object} ${o.action}`).sort()).toEqual(
      [
        `ConfigMap/${ns}/grafana-dashboards created`,
        `ConfigMap/${ns}/grafana-datasources created`,
        `ConfigMap/${ns}/prometheus-config created`,
        `Deployment/${ns}/grafana created`,
        `Deployment/${ns}/prometheus created`,
        `Service/${ns}/grafana created`,
        `Service/${ns}/prometheus created`,
        `ServiceAccount/${ns}/prometheus created`,
      ].sort(),
    );
    // Byte for byte what Git holds: Grafana and Prometheus resolve these themselves.
    expect(await configMapData(ns, 'grafana-dashboards')).toEqual(fixtureData('monitoring-stack', 'grafana/dashboards.yaml'));
    expect(await configMapData(ns, 'grafana-datasources')).toEqual(fixtureData('monitoring-stack', 'grafana/datasources.yaml'));
    expect((await configMapData(ns, 'prometheus-config'))['prometheus.yml']).toContain('cluster: ${CLUSTER:=dev}');
    await expectSettled([dir, '-n', ns]);
  });

  it('with --substitute the same stack gets its variables, and objects annotated ferry.dev/substitute: disabled stay as written', async () => {
    const ns = await cluster.newNamespace('monitoring');
    const dir = fixtureCopy('monitoring-stack');
    await apply([dir, '-n', ns, '--substitute', 'CLUSTER=eu-west-1']);
    const prometheus = await configMapData(ns, 'prometheus-config');
    expect(prometheus['prometheus.yml']).toContain('cluster: eu-west-1');
    // Not variables: regex groups and template placeholders that are not ${IDENTIFIER}.
    expect(prometheus['prometheus.yml']).toContain('replacement: ${1}:${2}');
    expect(prometheus['alerts.yml']).toBe(fixtureData('monitoring-stack', 'prometheus/config.yaml')['alerts.yml']);
    expect(await configMapData(ns, 'grafana-dashboards')).toEqual(fixtureData('monitoring-stack', 'grafana/dashboards.yaml'));
    expect(await configMapData(ns, 'grafana-datasources')).toEqual(fixtureData('monitoring-stack', 'grafana/datasources.yaml'));
    await expectSettled([dir, '-n', ns, '--substitute', 'CLUSTER=eu-west-1']);
  });

  it('shell scripts in ConfigMaps and container commands keep their $VAR and ${VAR}', async () => {
    const ns = await cluster.newNamespace('scripts');
    const dir = fixtureCopy('shell-scripts');
    const applied = await apply([dir, '-n', ns]);
    expect(applied.objects.map((o) => o.action)).toEqual(['created', 'created', 'created']);
    expect(await configMapData(ns, 'backup-scripts')).toEqual(fixtureData('shell-scripts', 'backup/scripts.yaml'));
    const cronJob = await cluster.client.get({ apiVersion: 'batch/v1', kind: 'CronJob', namespace: ns, name: 'nightly-backup' });
    const container = (cronJob.spec as any).jobTemplate.spec.template.spec.containers[0];
    expect(container.command[2]).toBe('/scripts/backup.sh ${MODE} && echo "done at $(date)" >> /var/backups/last-run');
    expect((cronJob.spec as any).jobTemplate.spec.template.spec.volumes[0].configMap.defaultMode).toBe(0o755);
    const worker = await cluster.client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'worker' });
    expect((worker.spec as any).template.spec.containers[0].lifecycle.preStop.exec.command[2]).toBe('kill -TERM 1; sleep ${GRACE_SECONDS:-5}');
    await expectSettled([dir, '-n', ns]);
  });

  it('with substitution on, an unset variable is reported at its field (file:line:column and field path), and nothing is applied', async () => {
    const ns = await cluster.newNamespace('scripts');
    const dir = fixtureCopy('shell-scripts');
    const before = writeCount();
    const result = await cli(['apply', dir, '-n', ns, '--substitute', 'DATA_DIR=/data']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('backup/cronjob.yaml:21:19: CronJob/nightly-backup: ${MODE} at spec.jobTemplate.spec.template.spec.containers[0].command[2] is not set');
    expect(result.stderr).toContain('backup/scripts.yaml:6:14: ConfigMap/backup-scripts: ${HOSTNAME} at data[backup.sh] is not set');
    if (cluster.sim) expect(writeCount() - before).toBe(0);
  });

  it('a single-file install (CRD, Namespace, RBAC, workload, a custom resource) renders from --path FILE, as kubectl apply -f does', async () => {
    const ns = await cluster.newNamespace('install');
    const system = `widget-system-${randomBytes(3).toString('hex')}`;
    const repo = await fixtureRepo('single-file-install', { 'widget-system': system });
    const args = [repo.url, '--path', 'deploy/install.yaml', '-n', ns];
    const applied = await apply(args);
    expect(applied.objects.map((o) => `${o.object} ${o.action}`).sort()).toEqual(
      [
        'CustomResourceDefinition/widgets.widgets.example.dev created',
        `Namespace/${system} created`,
        'ClusterRole/widget-operator created',
        'ClusterRole/widget-viewer created',
        'ClusterRoleBinding/widget-operator created',
        `Role/${system}/widget-operator-leader-election created`,
        `RoleBinding/${system}/widget-operator-leader-election created`,
        `ServiceAccount/${system}/widget-operator created`,
        `ConfigMap/${system}/widget-operator-config created`,
        `Service/${system}/widget-operator-metrics created`,
        `Deployment/${system}/widget-operator created`,
        `Widget/${system}/default created`,
      ].sort(),
    );
    // Only the file: the example Widget and the Helm chart beside it are not part of the install.
    expect(await cluster.client.getOrNull({ apiVersion: 'widgets.example.dev/v1', kind: 'Widget', namespace: 'playground', name: 'sample' })).toBeNull();
    await expectSettled(args);

    const missing = await cli(['apply', repo.url, '--path', 'deploy/install-v2.yaml', '-n', ns]);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain('deploy/install-v2.yaml');
  });

  it('a kustomize overlay builds offline although an unrelated directory has a remote base, generators and components included', async () => {
    const ns = await cluster.newNamespace('shop');
    const repo = await fixtureRepo('kustomize-remote-elsewhere');
    const args = [repo.url, '--path', 'deploy/overlays/staging', '-n', ns];
    const applied = await apply(args);
    expect(applied.objects.map((o) => o.object).sort()).toEqual([
      expect.stringMatching(new RegExp(`^ConfigMap/${ns}/shop-env-staging-[a-z0-9]{10}$`)),
      expect.stringMatching(new RegExp(`^ConfigMap/${ns}/shop-nginx-staging-[a-z0-9]{10}$`)),
      `Deployment/${ns}/shop-staging`,
      `Service/${ns}/shop-staging`,
    ]);
    const deployment = await cluster.client.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'shop-staging' });
    expect((deployment.spec as any).replicas).toBe(2);
    expect((deployment.spec as any).template.spec.containers[0].env).toEqual([{ name: 'LOG_LEVEL', value: 'debug' }]);
    await expectSettled(args);

    // The directory that really has remote bases is still refused, and says where.
    const remote = await cli(['plan', repo.url, '--path', 'examples/upstream']);
    expect(remote.exitCode).toBe(2);
    expect(remote.stderr).toContain('examples/upstream/kustomization.yaml:4:5: remote resource "https://github.com/example-org/shop//deploy/base?ref=v2.3.0" refused');
  });

  it('two directories holding identical objects: SOURCE names the file the object came from', async () => {
    const ns = await cluster.newNamespace('reporter');
    const dir = fixtureCopy('identical-objects');
    const plan = await cli(['plan', dir, '--path', 'examples/standard', '-n', ns, '-o', 'json']);
    expect(plan.exitCode, plan.stderr).toBe(0);
    const sources = Object.fromEntries((JSON.parse(plan.stdout).objects as Array<{ kind: string; name: string; source: string }>).map((o) => [`${o.kind}/${o.name}`, o.source]));
    expect(sources).toEqual({
      'ClusterRole/node-reporter': 'examples/standard/cluster-role.yaml:7',
      'ClusterRoleBinding/node-reporter': 'examples/standard/cluster-role-binding.yaml:6',
      'Deployment/node-reporter': 'examples/standard/deployment.yaml:7',
      'Service/node-reporter': 'examples/standard/service.yaml:7',
      'ServiceAccount/node-reporter': 'examples/standard/service-account.yaml:7',
    });
    const args = [dir, '--path', 'examples/standard', '-n', ns];
    expect((await apply(args)).objects).toHaveLength(5);
    await expectSettled(args);
  });

  it('a cluster-scoped custom resource of an installed CRD is keyed without a namespace: a field removed in Git is removed live', async () => {
    const ns = await cluster.newNamespace('certs');
    const repo = await fixtureRepo('cluster-scoped-custom-resource');
    await apply([repo.url, '--path', 'crds', '--name', 'certs-crds', '-n', ns]);
    const args = [repo.url, '--path', 'issuers', '--name', 'issuers', '-n', ns];
    const applied = await apply(args);
    expect(applied.objects.map((o) => `${o.object} ${o.action}`)).toEqual(['ClusterIssuer/letsencrypt-staging created']);
    const issuer = { apiVersion: 'certs.example.dev/v1', kind: 'ClusterIssuer', name: 'letsencrypt-staging' };
    expect(((await cluster.client.get(issuer)).spec as any).acme.skipTLSVerify).toBe(true);
    await expectSettled(args);

    await repo.commitAndPush(
      { 'issuers/letsencrypt.yaml': readFileSync(join(REPOS, 'cluster-scoped-custom-resource/issuers/letsencrypt.yaml'), 'utf8').replace(/ *#.*\n *skipTLSVerify: true\n/, '') },
      'issuers: the staging endpoint is trusted again',
    );
    const updated = await apply(args);
    expect(updated.objects.map((o) => `${o.object} ${o.action}`)).toEqual(['ClusterIssuer/letsencrypt-staging configured']);
    expect(((await cluster.client.get(issuer)).spec as any).acme).not.toHaveProperty('skipTLSVerify');
    await expectSettled(args);
  });
});
