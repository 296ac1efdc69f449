/**
 * Git over SSH against a real OpenSSH server (sshd on 127.0.0.1, git-upload-pack serving the
 * Git test server's repositories): the same source, cache and refs code as over HTTPS.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GitCredentials, GitSource } from '../../src/source/index.js';
import { startGitServer, type GitServer, type TestRepo } from '../support/git-server.js';
import { createKeyPair, sshUnavailable, startSshAgent, startSshServer, type KeyPair, type SshServer } from '../support/ssh-server.js';
import { cacheDirs, manifest } from './support.js';

const unavailable = sshUnavailable();
if (unavailable) console.warn(`skipping the SSH source specs: ${unavailable}`);

let git: GitServer;
let sshd: SshServer;
let keys: string;
let deployKey: KeyPair;
let counter = 0;
const caches = cacheDirs();

beforeAll(async () => {
  if (unavailable) return;
  git = await startGitServer();
  sshd = await startSshServer();
  keys = mkdtempSync(join(tmpdir(), 'ferry-keys-'));
  deployKey = await createKeyPair(keys, 'deploy');
  await sshd.authorize(deployKey.publicKey);
});
afterAll(async () => {
  if (unavailable) return;
  await sshd.stop();
  await git.stop();
  rmSync(keys, { recursive: true, force: true });
});
afterEach(() => caches.cleanup());

const newRepo = async (files: Record<string, string> = { 'deploy/app.yaml': manifest('app') }): Promise<{ repo: TestRepo; sha: string; url: string }> => {
  const repo = await git.createRepo(`ssh-${++counter}`);
  const sha = await repo.commitAndPush(files, 'first');
  return { repo, sha, url: sshd.url(repo.bareDir) };
};
const deployCredentials = (): GitCredentials => ({ identity: deployKey.privateKey, knownHosts: sshd.knownHosts() });
const filesAt = async (source: GitSource, url: string, commit: string) => {
  const tree = await source.tree(url, commit);
  return tree.listFiles('');
};
/** The connections still open once the relay has seen every close. */
const settledOpenConnections = async () => {
  await vi.waitFor(() => expect(sshd.openConnections()).toBe(0));
  return sshd.openConnections();
};

describe.skipIf(unavailable)('GitSource over SSH (OpenSSH sshd, git-upload-pack)', () => {
  it('clones with a deploy key and reads the files of the commit', async () => {
    const { url, sha } = await newRepo({ 'deploy/a.yaml': manifest('a'), 'deploy/b.yaml': manifest('b') });
    const source = caches.source();
    const result = await source.fetch(url, { credentials: deployCredentials() });
    expect(result).toEqual({ url, commit: sha, ref: 'refs/heads/main', changed: true });
    expect(await filesAt(source, url, sha)).toEqual(['deploy/a.yaml', 'deploy/b.yaml']);
    const tree = await source.tree(url, sha);
    expect((await tree.readFile('deploy/a.yaml')).content.toString()).toBe(manifest('a'));
  });

  it('an unchanged poll is one connection that lists refs (protocol v2 ls-refs) and asks for nothing', async () => {
    const { url, sha } = await newRepo();
    const source = caches.source();
    await source.fetch(url, { credentials: deployCredentials() });
    await sshd.resetCounts();
    expect(await source.fetch(url, { credentials: deployCredentials() })).toMatchObject({ commit: sha, changed: false });
    expect(sshd.connections()).toBe(1);
    const packets = await sshd.packets();
    expect(packets).toContain('upload-pack> version 2');
    expect(packets).toContain('upload-pack< command=ls-refs');
    expect(packets.filter((line) => /^upload-pack< (want|command=fetch)/.test(line))).toEqual([]);
  });

  it('closes every connection after each operation: no socket left open across many polls', async () => {
    const { repo, url } = await newRepo();
    const source = caches.source();
    await sshd.resetCounts();
    for (let i = 0; i < 20; i++) {
      if (i % 5 === 4) await repo.commitAndPush({ 'deploy/app.yaml': manifest('app', String(i)) });
      await source.fetch(url, { credentials: deployCredentials() });
    }
    // 20 polls, each one connection; the first and the four after a push also fetch (one more each).
    expect(sshd.connections()).toBe(25);
    expect(await settledOpenConnections()).toBe(0);
  });

  it('fetches a new commit incrementally: only what changed comes, offering the last commit as a have', async () => {
    const { repo, url, sha } = await newRepo({ 'deploy/app.yaml': manifest('app'), 'deploy/big.yaml': manifest('big', 'x'.repeat(50_000)) });
    const source = caches.source();
    await source.fetch(url, { credentials: deployCredentials() });
    const next = await repo.commitAndPush({ 'deploy/app.yaml': manifest('app', '2') });
    await sshd.resetCounts();
    expect(await source.fetch(url, { credentials: deployCredentials() })).toMatchObject({ commit: next, changed: true });
    const packets = await sshd.packets();
    expect(packets).toContain(`upload-pack< have ${sha}`);
    expect(packets.some((line) => line.startsWith('upload-pack< deepen'))).toBe(false);
    const tree = await source.tree(url, next);
    expect((await tree.readFile('deploy/app.yaml')).content.toString()).toBe(manifest('app', '2'));
  });

  it('resolves tags, semver ranges and commit refs', async () => {
    const { repo, url, sha: first } = await newRepo();
    await repo.tag('v1.0.0', { annotated: true });
    const second = await repo.commitAndPush({ 'deploy/app.yaml': manifest('app', '2') });
    await repo.tag('v1.2.0');
    await repo.commitAndPush({ 'deploy/app.yaml': manifest('app', '3') });
    const source = caches.source();
    const credentials = deployCredentials();
    expect(await source.fetch(url, { ref: { tag: 'v1.0.0' }, credentials })).toMatchObject({ commit: first, ref: 'refs/tags/v1.0.0' });
    expect(await source.fetch(url, { ref: { semver: '^1.0.0' }, credentials })).toMatchObject({ commit: second, ref: 'refs/tags/v1.2.0' });
    // Not a tip, and upload-pack over SSH allows no SHA it does not advertise: found by deepening.
    const fresh = caches.source();
    expect(await fresh.fetch(url, { ref: { commit: first }, credentials })).toMatchObject({ commit: first, ref: first, changed: true });
    expect(await filesAt(fresh, url, first)).toEqual(['deploy/app.yaml']);
    await expect(source.fetch(url, { ref: { branch: 'nope' }, credentials })).rejects.toMatchObject({
      code: 'SOURCE_REF_NOT_FOUND',
      message: `${url}: branch nope not found (available: main)`,
    });
  });

  it('logs in with an encrypted key and its passphrase, and says which is wrong when it is', async () => {
    const { url, sha } = await newRepo();
    const encrypted = await createKeyPair(keys, `encrypted-${counter}`, { passphrase: 'correct horse' });
    await sshd.authorize(encrypted.publicKey);
    const knownHosts = sshd.knownHosts();
    expect(await caches.source().fetch(url, { credentials: { identity: encrypted.privateKey, passphrase: 'correct horse', knownHosts } })).toMatchObject({ commit: sha });
    await expect(caches.source().fetch(url, { credentials: { identity: encrypted.privateKey, knownHosts } })).rejects.toMatchObject({
      code: 'SOURCE_SSH_KEY_ENCRYPTED',
      message: `${url}: the SSH private key is encrypted: give its passphrase (identity.passphrase in the Secret), or load the key into ssh-agent`,
    });
    await expect(caches.source().fetch(url, { credentials: { identity: encrypted.privateKey, passphrase: 'wrong', knownHosts } })).rejects.toMatchObject({
      code: 'SOURCE_SSH_KEY_PASSPHRASE',
    });
  });

  it.each<[string, Parameters<typeof createKeyPair>[2] & {}]>([
    ['ECDSA, OpenSSH format', { type: 'ecdsa' }],
    ['RSA, OpenSSH format', { type: 'rsa' }],
    ['RSA, PEM (PKCS#1)', { type: 'rsa', format: 'pem' }],
    ['ECDSA, PEM (SEC1)', { type: 'ecdsa', format: 'pem' }],
    ['RSA, PKCS#8 encrypted', { type: 'rsa', format: 'pkcs8', passphrase: 'secret words' }],
    ['ECDSA, PKCS#8', { type: 'ecdsa', format: 'pkcs8' }],
  ])('logs in with a %s key', async (_name, options) => {
    const { url, sha } = await newRepo();
    const key = await createKeyPair(keys, `key-${counter}`, options);
    await sshd.authorize(key.publicKey);
    const credentials = { identity: key.privateKey, knownHosts: sshd.knownHosts(), ...(options.passphrase ? { passphrase: options.passphrase } : {}) };
    expect(await caches.source().fetch(url, { credentials })).toMatchObject({ commit: sha });
    expect(sshd.log()).toContain(key.fingerprint);
  });

  it('logs in with an ed25519 key in PKCS#8 PEM, as openssl writes it', async () => {
    const { url, sha } = await newRepo();
    const pair = generateKeyPairSync('ed25519');
    const raw = Buffer.from(pair.publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
    const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), raw]);
    await sshd.authorize(`ssh-ed25519 ${blob.toString('base64')}`);
    const identity = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(identity).toContain('BEGIN PRIVATE KEY');
    expect(await caches.source().fetch(url, { credentials: { identity, knownHosts: sshd.knownHosts() } })).toMatchObject({ commit: sha });
  });

  it('logs in through ssh-agent when no key is given', async () => {
    const { url, sha } = await newRepo();
    const agent = await startSshAgent();
    try {
      const key = await createKeyPair(keys, `agent-${counter}`);
      await sshd.authorize(key.publicKey);
      await agent.add(key.path);
      expect(await caches.source().fetch(url, { credentials: { agentSocket: agent.socket, knownHosts: sshd.knownHosts() } })).toMatchObject({ commit: sha });
      expect(sshd.log()).toMatch(new RegExp(`Accepted publickey for ${sshd.user} .* ${key.fingerprint.replace(/[+/]/g, '\\$&')}`));
    } finally {
      await agent.stop();
    }
  });

  it('refuses a key the server does not accept, naming the key, the user and the URL', async () => {
    const { url } = await newRepo();
    const stranger = await createKeyPair(keys, `stranger-${counter}`);
    await expect(caches.source().fetch(url, { credentials: { identity: stranger.privateKey, knownHosts: sshd.knownHosts() } })).rejects.toMatchObject({
      code: 'SOURCE_AUTH_FAILED',
      message: `${url}: the SSH server refused the key ED25519 ${stranger.fingerprint} for user ${sshd.user}; check that the public key is a deploy key (or an authorized key) of this repository`,
    });
  });

  it('refuses a server whose host key is not the one known_hosts lists, naming the host and the fingerprint; nothing is fetched', async () => {
    const { url } = await newRepo();
    const other = await createKeyPair(keys, `other-host-${counter}`);
    const wrong = `[127.0.0.1]:${sshd.port} ${other.publicKey.split(' ').slice(0, 2).join(' ')}\n`;
    const ed25519 = sshd.hostKeys.find((key) => key.type === 'ed25519');
    await sshd.resetCounts();
    const source = caches.source();
    await expect(source.fetch(url, { credentials: { identity: deployKey.privateKey, knownHosts: wrong } })).rejects.toMatchObject({
      code: 'SOURCE_HOST_KEY_MISMATCH',
      message: `${url}: the host key of [127.0.0.1]:${sshd.port} is ED25519 ${ed25519?.fingerprint}, not the one known_hosts lists (ED25519 ${other.fingerprint}); nothing was fetched (the server's key changed, or something is in between)`,
      details: { host: `[127.0.0.1]:${sshd.port}`, fingerprint: ed25519?.fingerprint },
    });
    // upload-pack never ran: not even its advertisement was written.
    expect(await sshd.packets()).toEqual([]);
  });

  it('refuses a server that known_hosts does not list, showing the key to check', async () => {
    const { url } = await newRepo();
    const elsewhere = `github.com ${sshd.hostKeys[0]?.publicKey}\n`;
    await expect(caches.source().fetch(url, { credentials: { identity: deployKey.privateKey, knownHosts: elsewhere } })).rejects.toMatchObject({
      code: 'SOURCE_HOST_KEY_UNKNOWN',
      message: expect.stringMatching(new RegExp(`^${url.replace(/[.[\]]/g, '\\$&')}: \\[127\\.0\\.0\\.1\\]:${sshd.port} is not in known_hosts; its host key is ED25519 SHA256:`)),
    });
    await expect(caches.source().fetch(url, { credentials: { identity: deployKey.privateKey } })).rejects.toMatchObject({
      code: 'SOURCE_HOST_KEY_UNKNOWN',
      message: expect.stringContaining('is not in known_hosts (no known_hosts was given)'),
    });
  });

  it('checks the key type known_hosts holds when the server has several: an RSA-only line, a hashed line', async () => {
    const { url, sha } = await newRepo();
    expect(await caches.source().fetch(url, { credentials: { identity: deployKey.privateKey, knownHosts: sshd.knownHosts(['rsa']) } })).toMatchObject({ commit: sha });
    const file = join(keys, `known_hosts-${counter}`);
    writeFileSync(file, sshd.knownHosts(['ecdsa']));
    await promisify(execFile)('ssh-keygen', ['-H', '-f', file]);
    const hashed = readFileSync(file, 'utf8');
    expect(hashed).toMatch(/^\|1\|/);
    expect(await caches.source().fetch(url, { credentials: { identity: deployKey.privateKey, knownHosts: hashed } })).toMatchObject({ commit: sha });
  });

  it('reports a missing repository, a refused connection and a server that never answers', async () => {
    const missing = sshd.url('/nowhere/missing.git');
    await expect(caches.source().fetch(missing, { credentials: deployCredentials() })).rejects.toMatchObject({
      code: 'SOURCE_REPO_NOT_FOUND',
      message: expect.stringMatching(/^ssh:\/\/.*\/nowhere\/missing\.git: repository not found \(the server said: fatal: '\/nowhere\/missing\.git' does not appear to be a git repository\)$/),
    });
    const { url } = await newRepo();
    await sshd.pause();
    try {
      await expect(caches.source().fetch(url, { credentials: deployCredentials() })).rejects.toMatchObject({
        code: 'SOURCE_UNREACHABLE',
        message: `${url}: unreachable (ECONNREFUSED)`,
      });
    } finally {
      await sshd.resume();
    }
    sshd.stall();
    try {
      await expect(caches.source({ timeoutMs: 1000 }).fetch(url, { credentials: deployCredentials() })).rejects.toMatchObject({ code: 'SOURCE_TIMEOUT' });
      expect(await settledOpenConnections()).toBe(0);
    } finally {
      await sshd.resume();
    }
  });
});
