/** `ferry plan|diff|apply` on an SSH Git URL: --ssh-key, --known-hosts (default ~/.ssh/known_hosts), SSH_AUTH_SOCK. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startGitServer, type GitServer } from '../support/git-server.js';
import { createKeyPair, sshUnavailable, startSshAgent, startSshServer, type KeyPair, type SshServer } from '../support/ssh-server.js';

const unavailable = sshUnavailable();
if (unavailable) console.warn(`skipping the CLI's SSH specs: ${unavailable}`);

let git: GitServer;
let sshd: SshServer;
let root: string;
let key: KeyPair;
let url: string;
let home: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  if (unavailable) return;
  git = await startGitServer();
  sshd = await startSshServer();
  root = mkdtempSync(join(tmpdir(), 'ferry-cli-ssh-'));
  key = await createKeyPair(root, 'id_ed25519');
  await sshd.authorize(key.publicKey);
  const repo = await git.createRepo('cli-ssh');
  await repo.commitAndPush({ 'deploy/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: over-ssh\n' });
  url = sshd.url(repo.bareDir);
  // A home of our own: ~/.ssh/known_hosts is the default file.
  home = join(root, 'home');
  mkdirSync(join(home, '.ssh'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'known_hosts'), sshd.knownHosts());
  env = { HOME: home, FERRY_CACHE_DIR: join(root, 'cache'), SSH_AUTH_SOCK: '' };
});
afterAll(async () => {
  if (unavailable) return;
  await sshd.stop();
  await git.stop();
  rmSync(root, { recursive: true, force: true });
});

const names = (stdout: string) => (JSON.parse(stdout) as { objects: Array<{ name: string }> }).objects.map((o) => o.name);

describe.skipIf(unavailable)('the CLI on an SSH Git URL', () => {
  it('plans with --ssh-key and the known_hosts of ~/.ssh', async () => {
    const result = await runCli(['plan', url, '--path', 'deploy', '--ssh-key', key.path, '-o', 'json'], { env });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(names(result.stdout)).toEqual(['over-ssh']);
  });

  it('logs in through ssh-agent (SSH_AUTH_SOCK) when no key is given', async () => {
    const agent = await startSshAgent();
    try {
      await agent.add(key.path);
      const result = await runCli(['plan', url, '--path', 'deploy', '-o', 'json'], { env: { ...env, SSH_AUTH_SOCK: agent.socket, FERRY_CACHE_DIR: join(root, 'cache-agent') } });
      expect(result.exitCode).toBe(0);
      expect(names(result.stdout)).toEqual(['over-ssh']);
    } finally {
      await agent.stop();
    }
  });

  it('refuses a host that --known-hosts does not list, with the fingerprint to check, and exits non-zero', async () => {
    const empty = join(root, 'known_hosts.empty');
    writeFileSync(empty, '');
    const result = await runCli(['plan', url, '--path', 'deploy', '--ssh-key', key.path, '--known-hosts', empty, '-o', 'json'], { env: { ...env, FERRY_CACHE_DIR: join(root, 'cache-refused') } });
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`[127.0.0.1]:${sshd.port} is not in known_hosts (no known_hosts was given); its host key is ED25519 ${sshd.hostKeys[0]?.fingerprint}`);
    expect(result.stderr).not.toContain('PRIVATE KEY');
  });

  it('says what is missing: no key and no agent, a key file that is not there, SSH flags on an https URL', async () => {
    const none = await runCli(['plan', url, '--path', 'deploy'], { env });
    expect(none.exitCode).not.toBe(0);
    expect(none.stderr).toContain('no SSH key: give --ssh-key FILE, or start ssh-agent and ssh-add the key (SSH_AUTH_SOCK)');
    const missing = await runCli(['plan', url, '--ssh-key', join(root, 'nope')], { env });
    expect(missing.stderr).toContain(`--ssh-key ${join(root, 'nope')}: no such file`);
    const https = await runCli(['plan', git.repoUrl('cli-ssh'), '--ssh-key', key.path], { env });
    expect(https.stderr).toContain('--ssh-key applies to SSH Git URLs');
  });
});
