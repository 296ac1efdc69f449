/**
 * The agent on a Git repository over SSH: a GitSync whose source is an ssh:// or scp-like URL and
 * whose secretRef is a deploy-key Secret (identity + known_hosts, as Flux's) against the API
 * simulator and a real OpenSSH server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { eventually } from '../support/cluster.js';
import { createKeyPair, sshUnavailable, startSshServer, type KeyPair, type SshServer } from '../support/ssh-server.js';
import { captureLog } from '../source/support.js';
import { conditionOf, configMap, gitSync, startBed, type Bed } from './harness.js';

const unavailable = sshUnavailable();
if (unavailable) console.warn(`skipping the agent's SSH specs: ${unavailable}`);

/** An address of 127.0.0.0/8 of this run's own, so port 22 there is free for an scp-like URL's server. */
const scpHost = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
const port22 = unavailable ? 'sshd is missing' : await new Promise<string | undefined>((resolve) => {
  const probe = net.createServer();
  probe.once('error', (error: NodeJS.ErrnoException) => resolve(`cannot listen on ${scpHost}:22 (${error.code})`));
  probe.listen(22, scpHost, () => probe.close(() => resolve(undefined)));
});
if (port22 && !unavailable) console.warn(`skipping the agent's scp-like URL spec: ${port22}`);

let bed: Bed;
let sshd: SshServer;
let scpSshd: SshServer | undefined;
let keys: string;
let deployKey: KeyPair;
const log = captureLog();
const WAIT_MS = 90_000;

beforeAll(async () => {
  if (unavailable) return;
  bed = await startBed();
  sshd = await startSshServer();
  if (!port22) scpSshd = await startSshServer({ hostKeyTypes: ['ed25519'], listen: { host: scpHost, port: 22 } });
  keys = mkdtempSync(join(tmpdir(), 'ferry-agent-keys-'));
  deployKey = await createKeyPair(keys, 'deploy');
  await sshd.authorize(deployKey.publicKey);
  await scpSshd?.authorize(deployKey.publicKey);
  await bed.startAgent({ logger: log.logger });
}, 120_000);
afterAll(async () => {
  if (unavailable) return;
  await bed?.stop();
  await sshd?.stop();
  await scpSshd?.stop();
  rmSync(keys, { recursive: true, force: true });
});

const getGitSync = (ns: string, name: string) => bed.client.getOrNull({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name });
const status = async (ns: string, name: string) => ((await getGitSync(ns, name))?.status ?? {}) as Record<string, any>;
const valueOf = async (ns: string, name: string) => ((await bed.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name }))?.data as Record<string, string> | undefined)?.value;

/** A deploy-key Secret as Flux's `flux create secret git` writes it. */
const deployKeySecret = (namespace: string, knownHosts: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'deploy-key', namespace },
  stringData: { identity: deployKey.privateKey, known_hosts: knownHosts },
} as KubeObject);

/** A GitSync on `url` with the deploy-key Secret, its repository holding one ConfigMap. */
async function syncOver(server: SshServer, url: (bareDir: string) => string, knownHosts = server.knownHosts()) {
  const ns = await bed.cluster.newNamespace('ssh');
  const repo = await bed.git.createRepo(ns);
  const sha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one') });
  await bed.client.create(deployKeySecret(ns, knownHosts));
  const source = url(repo.bareDir);
  await bed.client.create(gitSync(ns, 'app', source, { source: { url: source, interval: '300ms', path: 'deploy', secretRef: { name: 'deploy-key' } } }));
  return { ns, repo, sha, url: source };
}

/** The lines of the deploy key's body: none of them may show anywhere. */
const keyLines = () => deployKey.privateKey.split('\n').filter((line) => line.length > 20 && !line.startsWith('-----'));
const leaks = (text: string) => text.includes('PRIVATE KEY') || keyLines().some((line) => text.includes(line));

describe.skipIf(unavailable)('the agent on a Git repository over SSH', () => {
  it('an ssh:// URL with a deploy-key Secret becomes Ready, its objects applied; a push is applied on the next poll', async () => {
    const { ns, repo, sha } = await syncOver(sshd, sshd.url);
    await eventually(async () => (await status(ns, 'app')).lastAppliedRevision === sha, WAIT_MS);
    expect(conditionOf(await getGitSync(ns, 'app'), 'Ready')).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(await valueOf(ns, 'cfg')).toBe('one');

    const second = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'two') });
    await eventually(async () => (await status(ns, 'app')).lastAppliedRevision === second, WAIT_MS);
    expect(await valueOf(ns, 'cfg')).toBe('two');
    expect(conditionOf(await getGitSync(ns, 'app'), 'Ready')).toMatchObject({ status: 'True' });
  }, 200_000);

  it.skipIf(port22)('an scp-like git@host:path URL (port 22, a bare host name in known_hosts) becomes Ready too', async () => {
    const server = scpSshd as SshServer;
    const { ns, sha, url } = await syncOver(server, server.scpUrl);
    expect(url).toMatch(/^[^@/]+@[\d.]+:\//);
    expect(server.knownHosts()).toMatch(new RegExp(`^${scpHost.replace(/\./g, '\\.')} ssh-ed25519 `));
    await eventually(async () => (await status(ns, 'app')).lastAppliedRevision === sha, WAIT_MS);
    expect(conditionOf(await getGitSync(ns, 'app'), 'Ready')).toMatchObject({ status: 'True', reason: 'Synced' });
    expect(await valueOf(ns, 'cfg')).toBe('one');
  }, 120_000);

  it('a Secret whose known_hosts has another key for the host leaves the GitSync not Ready, naming the host and the fingerprint; nothing is applied', async () => {
    const other = await createKeyPair(keys, 'impostor');
    const wrong = `[${sshd.host}]:${sshd.port} ${other.publicKey.split(' ').slice(0, 2).join(' ')}\n`;
    const { ns } = await syncOver(sshd, sshd.url, wrong);
    const ready = await eventually(async () => {
      const condition = conditionOf(await getGitSync(ns, 'app'), 'Ready');
      return condition?.status === 'False' ? condition : undefined;
    }, WAIT_MS);
    const served = sshd.hostKeys.find((key) => key.type === 'ed25519')?.fingerprint as string;
    expect(ready.message).toContain(`[${sshd.host}]:${sshd.port}`);
    expect(ready.message).toContain(served);
    expect(ready.message).toContain('nothing was fetched');
    const s = await status(ns, 'app');
    expect(s.lastAppliedRevision).toBeUndefined();
    expect(s.inventory ?? []).toEqual([]);
    expect(await bed.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' })).toBeNull();
  }, 120_000);

  it('closes every SSH connection: 200 unchanged polls leave no socket open', async () => {
    // A server of its own, so only this GitSync's polls reach it.
    const server = await startSshServer({ hostKeyTypes: ['ed25519'] });
    try {
      await server.authorize(deployKey.publicKey);
      const { ns, sha } = await syncOver(server, server.url);
      await eventually(async () => (await status(ns, 'app')).lastAppliedRevision === sha, WAIT_MS);
      await bed.client.mergePatch({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'app' }, { spec: { source: { interval: '10ms' } } });
      await server.resetCounts();
      // Each unchanged poll is one connection (its ls-refs).
      await eventually(() => server.connections() >= 200, 300_000, 200);
      await bed.client.mergePatch({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'app' }, { spec: { suspend: true } });
      await eventually(() => server.openConnections() === 0, WAIT_MS);
      // One poll at a time: a connection ends before the next opens (the relay may not yet have seen a close).
      expect(server.peakOpenConnections()).toBeLessThanOrEqual(2);
      const packets = await server.packets();
      expect(packets.filter((line) => line.startsWith('upload-pack< command=ls-refs')).length).toBeGreaterThanOrEqual(200);
      expect(packets.filter((line) => /^upload-pack< (want|command=fetch)/.test(line))).toEqual([]);
      expect((await status(ns, 'app')).lastAppliedRevision).toBe(sha);
    } finally {
      await server.stop();
    }
  }, 400_000);

  it('shows no private key material in its logs, the GitSyncs\' status or the events', async () => {
    // One GitSync of its own, so this holds when run alone too; the cases before add theirs.
    const { ns, sha } = await syncOver(sshd, sshd.url);
    await eventually(async () => (await status(ns, 'app')).lastAppliedRevision === sha, WAIT_MS);
    expect(log.records.length).toBeGreaterThan(0);
    expect(leaks(log.records.map((record) => JSON.stringify(record)).join('\n'))).toBe(false);
    const syncs = await bed.client.list('ferry.dev/v1alpha1', 'GitSync');
    expect(syncs.length).toBeGreaterThanOrEqual(1);
    expect(leaks(JSON.stringify(syncs.map((s) => s.status)))).toBe(false);
    const events = await bed.client.list('v1', 'Event');
    expect(leaks(JSON.stringify(events))).toBe(false);
  }, 120_000);
});
