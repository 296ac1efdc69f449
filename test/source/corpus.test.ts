/**
 * The Git side of the corpus (test/fixtures/repos): repositories as real projects keep them and
 * Git servers as real networks behave — a `master` default branch, a large binary beside the
 * manifests, a pack cut short, a server slower than the timeout — each applied to the API
 * simulator end to end (the CLI as a new user runs it, or a reconcile of a GitSync), then
 * applied again (zero writes) and diffed (no changes).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { GitSource } from '../../src/source/index.js';
import { reconcile, settingsFromGitSync } from '../../src/sync/index.js';
import { conditionOf, startBed, type Bed } from '../agent/harness.js';
import { runCli } from '../support/cli.js';
import { eventually } from '../support/cluster.js';
import type { TestRepo } from '../support/git-server.js';

const REPOS = fileURLToPath(new URL('../fixtures/repos/', import.meta.url));

let bed: Bed;
let scratch: string;
beforeAll(async () => {
  bed = await startBed();
  scratch = mkdtempSync(join(tmpdir(), 'ferry-git-corpus-'));
});
afterAll(async () => {
  await bed?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(['--kubeconfig', bed.cluster.kubeconfigPath, ...args], { env: { FERRY_CACHE_DIR: join(scratch, 'cli-cache') } });

/** Every file of a fixture repository, by repository path. */
function fixtureFiles(name: string): Record<string, string> {
  const root = join(REPOS, name);
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else files[relative(root, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(root);
  return files;
}

/** The fixture pushed as the first commit of a repository on the test server. */
async function fixtureRepo(name: string, options: { defaultBranch?: string; extra?: Record<string, string | Buffer> } = {}): Promise<TestRepo> {
  const repo = await bed.git.createRepo(`${name}-${randomBytes(3).toString('hex')}`, options.defaultBranch ? { defaultBranch: options.defaultBranch } : {});
  await repo.commitAndPush({ ...fixtureFiles(name), ...options.extra }, `import ${name}`);
  return repo;
}

/** Writes the simulator saw (dry runs are not writes). */
const writeCount = () => (bed.cluster.sim?.requests ?? []).filter((r) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method) && r.query.dryRun === undefined).length;

interface ApplyJson {
  result: string;
  reason: string;
  message: string;
  revision?: string;
  ref?: string;
  objects: Array<{ object: string; action: string }>;
}

/** `ferry apply … -o json` with its exit code and progress lines. */
async function apply(args: string[]): Promise<ApplyJson & { exitCode: number; stderr: string }> {
  const result = await cli(['apply', ...args, '--timeout', '30s', '-o', 'json']);
  return { ...(JSON.parse(result.stdout) as ApplyJson), exitCode: result.exitCode, stderr: result.stderr };
}

/** The second apply writes nothing and `ferry diff` (same source) sees no change. */
async function expectSettled(args: string[]): Promise<void> {
  const before = writeCount();
  const again = await apply(args);
  expect(again.exitCode, again.stderr).toBe(0);
  expect(again.objects.filter((o) => o.action !== 'unchanged')).toEqual([]);
  if (bed.cluster.sim) expect(writeCount() - before).toBe(0);
  const diff = await cli(['diff', ...args]);
  expect({ exitCode: diff.exitCode, stdout: diff.stdout }, diff.stderr).toEqual({ exitCode: 0, stdout: '' });
}

const configMapData = (namespace: string, name: string) => bed.client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name }).then((cm) => cm.data as Record<string, string>);

const guestbookObjects = (ns: string) =>
  [`ConfigMap/${ns}/guestbook-config`, `Deployment/${ns}/frontend`, `Deployment/${ns}/redis-leader`, `Service/${ns}/frontend`, `Service/${ns}/redis-leader`].sort();

describe('the corpus, Git side: real repositories and real networks', () => {
  it('a repository whose default branch is master syncs with no ref, and says which branch it followed', async () => {
    const ns = await bed.cluster.newNamespace('master');
    const repo = await fixtureRepo('master-default-branch', { defaultBranch: 'master' });
    const args = [repo.url, '--path', 'deploy', '-n', ns];
    const applied = await apply(args);
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(applied).toMatchObject({ result: 'Synced', ref: 'refs/heads/master' });
    expect(applied.objects.map((o) => o.object).sort()).toEqual(guestbookObjects(ns));
    expect(applied.stderr).toMatch(/^source {4}revision [0-9a-f]{7} \(refs\/heads\/master\)$/m);
    await expectSettled(args);
  });

  it('a GitSync with no ref follows master too, and its status names the branch', async () => {
    const ns = await bed.cluster.newNamespace('master');
    const repo = await fixtureRepo('master-default-branch', { defaultBranch: 'master' });
    const sha = (await repo.git('rev-parse', 'HEAD')).trim();
    await bed.startAgent({ identity: `master-${ns}` });
    await bed.client.create(gitSync(ns, 'guestbook', repo.url, { interval: '300ms' }));
    const status = async () => ((await bed.client.getOrNull({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'guestbook' }))?.status ?? {}) as Record<string, unknown>;
    await eventually(async () => (await status()).lastAppliedRevision === sha);
    expect(await status()).toMatchObject({ resolvedRef: 'refs/heads/master', lastAttemptedRevision: sha });
    expect(conditionOf(await bed.client.get({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'guestbook' }), 'Ready')).toMatchObject({ status: 'True' });
    const shown = await cli(['status', '-n', ns]);
    expect(shown.stdout).toMatch(new RegExp(`guestbook\\s+\\S+\\s+master@${sha.slice(0, 7)}\\s+True`));
  });

  it('a large binary outside the sync path costs nothing: the manifests sync, the 6 MiB video is never read', async () => {
    const ns = await bed.cluster.newNamespace('binary');
    // Generated: 6 MiB of video do not belong in ferry's own repository. Over the 5 MiB limit.
    const repo = await fixtureRepo('binary-outside-sync-path', { extra: { 'docs/media/walkthrough.mp4': randomBytes(6 * 1024 * 1024) } });
    const args = [repo.url, '--path', 'deploy', '-n', ns];
    const applied = await apply(args);
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(applied.objects.map((o) => `${o.object} ${o.action}`).sort()).toEqual(
      [`ConfigMap/${ns}/status-page-checks created`, `Deployment/${ns}/status-page created`, `Service/${ns}/status-page created`].sort(),
    );
    await expectSettled(args);
  });

  it('a fetch whose pack is cut short fails, changes nothing, and the next apply syncs', async () => {
    const ns = await bed.cluster.newNamespace('truncated');
    const repo = await fixtureRepo('master-default-branch');
    const args = [repo.url, '--path', 'deploy', '-n', ns];
    expect((await apply(args)).result).toBe('Synced');
    await repo.commitAndPush({ 'deploy/config.yaml': readFileSync(join(REPOS, 'master-default-branch/deploy/config.yaml'), 'utf8').replace('Sign the guestbook', 'Leave a note'), 'docs/screenshot.png': randomBytes(400_000) }, 'new title');
    const before = writeCount();
    bed.git.injectFault({ type: 'cut-pack', how: 'end', afterBytes: 200_000, atPacketBoundary: true }, { times: 1 });
    const failed = await apply(args);
    expect(failed).toMatchObject({ exitCode: 1, result: 'Failed', reason: 'SourceUnavailable' });
    expect(failed.message).toContain(repo.url);
    if (bed.cluster.sim) expect(writeCount() - before).toBe(0);
    expect((await configMapData(ns, 'guestbook-config')).GUESTBOOK_TITLE).toBe('Sign the guestbook');
    const recovered = await apply(args);
    expect(recovered).toMatchObject({ exitCode: 0, result: 'Synced' });
    expect((await configMapData(ns, 'guestbook-config')).GUESTBOOK_TITLE).toBe('Leave a note');
    await expectSettled(args);
  });

  it('a Git server slower than the GitSync timeout fails the reconcile in time, changes nothing, and the next one syncs', async () => {
    const ns = await bed.cluster.newNamespace('slow');
    const repo = await fixtureRepo('master-default-branch');
    const settings = settingsFromGitSync(gitSync(ns, 'guestbook', repo.url, { timeout: '2s' }));
    const git = new GitSource({ cacheDir: join(scratch, `reconcile-${ns}`) });
    bed.git.injectFault({ type: 'stall' }, { times: 1 });
    const before = writeCount();
    const slow = await reconcile(settings, { client: bed.client, git });
    expect(slow).toMatchObject({ result: 'Failed', reason: 'SourceUnavailable', message: `${repo.url}: no answer within 2s` });
    if (bed.cluster.sim) expect(writeCount() - before).toBe(0);
    bed.git.clearFaults();
    // The server answers again: the next sync may take what a fresh clone takes on a loaded machine.
    const synced = await reconcile({ ...settings, source: { ...settings.source, timeoutMs: 60_000 } as typeof settings.source }, { client: bed.client, git });
    expect(synced).toMatchObject({ result: 'Synced', sourceRef: 'refs/heads/main' });
    // What the GitSync applied, the CLI finds settled: same sync name, same objects.
    await expectSettled([repo.url, '--path', 'deploy', '-n', ns, '--name', 'guestbook']);
  });
});

function gitSync(namespace: string, name: string, url: string, source: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'ferry.dev/v1alpha1',
    kind: 'GitSync',
    metadata: { name, namespace },
    spec: { source: { url, path: 'deploy', ...source }, targetNamespace: namespace, health: { timeout: '30s' } },
  } as KubeObject;
}
