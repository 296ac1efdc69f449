/**
 * What every command prints, in every output format, as file snapshots a reviewer can read
 * (test/cli/__snapshots__/*.txt). Values that change from run to run (revisions, namespaces,
 * times, durations, ports, uids, resourceVersions) are replaced by <placeholders>, and column
 * padding is squeezed so a longer duration does not move every column.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { eventually, simOnly } from '../support/cluster.js';
import { configMap, gitSync, startBed, type Bed } from '../agent/harness.js';

let bed: Bed;
let ns: string;
let dir: string;
const revisions: string[] = [];

beforeAll(async () => {
  if (simOnly.skip) return;
  bed = await startBed();
  // No managed-object watches: a watch (re)start prompts a recheck of Git at a moment of its
  // own, which could apply the second commit before `ferry sync` asks for it. What the CLI
  // prints is the subject here, not how fast the agent reacts (test/agent covers that).
  await bed.startAgent({ identity: 'snapshots', watchManagedObjects: false });
  ns = await bed.cluster.newNamespace('snap');
  const repo = await bed.git.createRepo('shop');
  revisions.push(await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one') }, 'first'));
  await bed.client.create(gitSync(ns, 'shop', repo.url, { source: { url: repo.url, interval: '1h', path: 'deploy' } }));
  await eventually(async () => (await lastApplied()) === revisions[0]);
  revisions.push(await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'two') }, 'second'));
  dir = mkdtempSync(join(tmpdir(), 'ferry-snap-'));
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'app/settings.yaml'), configMap('settings', 'blue'));
  writeFileSync(join(dir, 'app/creds.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: "planted-secret-value"\n');
}, 60_000);
afterAll(async () => {
  await bed?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function lastApplied(): Promise<string | undefined> {
  const gitsync = await bed.client.getOrNull({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'shop' });
  return (gitsync?.status as { lastAppliedRevision?: string } | undefined)?.lastAppliedRevision;
}

/** Replaces what differs between runs by placeholders, keeping everything else as printed. */
function normalize(text: string): string {
  let result = text;
  revisions.forEach((sha, i) => {
    result = result.split(sha).join(`<rev${i + 1}>`).split(sha.slice(0, 7)).join(`<rev${i + 1}>`);
  });
  return result
    .split(ns).join('<ns>')
    .split(dir).join('<dir>')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uid>')
    .replace(/("resourceVersion": |resourceVersion: )"?\d+"?/g, '$1<rv>')
    .replace(/("durationMs": |durationMs: )\d+/g, '$1<ms>')
    .replace(/("path": "\/metadata\/resourceVersion",\s*"value": )"\d+"/g, '$1"<rv>"')
    .replace(/sha256:[0-9a-f]{12,64}/g, 'sha256:<hash>')
    .replace(/\b\d+(\.\d+)?(ms|s|m|h)\b(?!\w)/g, '<dur>')
    .replace(/(\S) {2,}/g, '$1  ')
    .replace(/[ \t]+$/gm, '');
}

async function transcript(commands: string[][]): Promise<string> {
  const parts: string[] = [];
  for (const args of commands) {
    const result = await runCli(['--kubeconfig', bed.cluster.kubeconfigPath, '-n', ns, ...args]);
    expect(result.stdout + result.stderr, 'no Secret value in any output').not.toContain('planted-secret-value');
    parts.push(`$ ferry ${args.join(' ')}\n${result.stdout}${result.stderr ? `[stderr]\n${result.stderr}` : ''}[exit ${result.exitCode}]\n`);
  }
  return normalize(parts.join('\n'));
}

const FORMATS = ['table', 'wide', 'json', 'yaml'];

describe.skipIf(simOnly.skip)('CLI output in every format (snapshots)', () => {
  it('plan', async () => {
    await expect(await transcript(FORMATS.map((f) => ['plan', join(dir, 'app'), '-o', f]))).toMatchFileSnapshot('__snapshots__/plan.txt');
  });

  it('apply and diff', async () => {
    const app = join(dir, 'app');
    const first = await transcript([['apply', app, '--name', 'local', '--timeout', '10s']]);
    const again = await transcript(['json', 'yaml'].map((f) => ['apply', app, '--name', 'local', '--timeout', '10s', '-o', f]));
    const clean = await transcript([['diff', app, '--name', 'local']]);
    writeFileSync(join(app, 'settings.yaml'), configMap('settings', 'green'));
    writeFileSync(join(dir, 'app/creds.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: "planted-secret-value-2"\n');
    const changed = await transcript([['diff', app, '--name', 'local'], ['diff', app, '--name', 'local', '-o', 'json']]);
    await expect([first, again, clean, changed].join('\n')).toMatchFileSnapshot('__snapshots__/apply-diff.txt');
  });

  it('sync, status, history, rollback, suspend and resume', async () => {
    const syncing = await transcript([['sync', 'shop', '--wait', '--timeout', '30s']]);
    const statuses = await transcript([...FORMATS.map((f) => ['status', '-o', f]), ...FORMATS.map((f) => ['status', 'shop', '-o', f])]);
    const history = await transcript(FORMATS.map((f) => ['history', 'shop', '-o', f]));
    const switches = await transcript([['rollback', 'shop', '--to', '1'], ['resume', 'shop'], ['suspend', 'shop'], ['resume', 'shop'], ['status', 'nosuch']]);
    await expect([syncing, statuses, history, switches].join('\n')).toMatchFileSnapshot('__snapshots__/gitsync-commands.txt');
  });
});
