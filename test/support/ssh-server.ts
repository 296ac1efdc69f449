/**
 * A real OpenSSH server for tests: Debian's sshd as a plain process on 127.0.0.1 with a config,
 * host keys and authorized keys of its own, logging in as the current user (root in CI) and
 * running the installed git-upload-pack on the bare repositories the Git test server made. In
 * front of it a TCP relay counts connections (opened, still open), goes down (refused) and
 * stalls (accepts, never answers). Upload-pack's packet trace (GIT_TRACE_PACKET, set by sshd's
 * SetEnv) shows what each connection asked for. Also: key pairs from ssh-keygen and a real
 * ssh-agent.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';

/** Why SSH specs cannot run here, or undefined when they can. */
export function sshUnavailable(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} is not installed (Debian's openssh-server; .ci/run installs it)`;
  for (const tool of ['/usr/bin/ssh-keygen', '/usr/bin/ssh-agent', '/usr/bin/ssh-add']) {
    if (!existsSync(tool)) return `${tool} is not installed (openssh-client)`;
  }
  return undefined;
}

export type KeyType = 'ed25519' | 'ecdsa' | 'rsa';

export interface KeyPair {
  /** The private key file (mode 0600, as ssh-keygen writes it). */
  path: string;
  privateKey: string;
  /** The `authorized_keys` / `.pub` line. */
  publicKey: string;
  /** `SHA256:…` as ssh-keygen -l prints it. */
  fingerprint: string;
}

export interface HostKey {
  type: KeyType;
  /** `ssh-ed25519 AAAA…` */
  publicKey: string;
  fingerprint: string;
}

export interface SshServer {
  host: string;
  /** The relay's port: what clients connect to and known_hosts names. */
  port: number;
  user: string;
  hostKeys: HostKey[];
  /** known_hosts lines for this server (`[127.0.0.1]:port type key`), one per host key or for the types asked. */
  knownHosts(types?: KeyType[]): string;
  /** The ssh:// URL of a bare repository (a TestRepo's bareDir). */
  url(bareDir: string): string;
  /** The scp-like `user@host:path` of a bare repository: reaches this server only when it listens on port 22. */
  scpUrl(bareDir: string): string;
  /** Lets this public key log in. */
  authorize(publicKey: string): Promise<void>;
  /** Connections accepted since resetCounts(). */
  connections(): number;
  /** Connections still open now. */
  openConnections(): number;
  /** The most connections open at once since resetCounts(). */
  peakOpenConnections(): number;
  /**
   * Upload-pack's packet trace since resetCounts(), one entry per pkt-line, e.g.
   * `upload-pack< command=ls-refs`, `upload-pack< want 3f2a…`, `upload-pack> 0000`.
   */
  packets(): Promise<string[]>;
  /** sshd's log (LogLevel VERBOSE: accepted keys with their fingerprints). */
  log(): string;
  resetCounts(): Promise<void>;
  /** Refuses connections until resume(). */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Accepts connections and never answers them, until resume(). */
  stall(): void;
  stop(): Promise<void>;
}

function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { env: { ...process.env, ...options.env } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${stderr || error.message}`));
      else resolve(stdout.trim());
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** A key pair made by ssh-keygen: OpenSSH format by default, `pem` (PKCS#1 / SEC1) or `pkcs8`. */
export async function createKeyPair(dir: string, name: string, options: { type?: KeyType; passphrase?: string; format?: 'openssh' | 'pem' | 'pkcs8' } = {}): Promise<KeyPair> {
  const path = join(dir, name);
  const type = options.type ?? 'ed25519';
  const format = options.format === 'pem' ? ['-m', 'PEM'] : options.format === 'pkcs8' ? ['-m', 'PKCS8'] : [];
  await run('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), ...format, '-N', options.passphrase ?? '', '-C', `ferry-test-${name}`, '-f', path]);
  const publicKey = readFileSync(`${path}.pub`, 'utf8').trim();
  const fingerprint = (await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${path}.pub`])).split(' ')[1] as string;
  return { path, privateKey: readFileSync(path, 'utf8'), publicKey, fingerprint };
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * Starts sshd with host keys of the given types (default: ed25519, ECDSA and RSA, as a Git host
 * has). `listen`: where the relay listens (default 127.0.0.1 on a free port); port 22 on an
 * address of 127.0.0.0/8 of its own lets scp-like URLs (`user@host:path`, always port 22) reach it.
 */
export async function startSshServer(options: { hostKeyTypes?: KeyType[]; listen?: { host: string; port: number } } = {}): Promise<SshServer> {
  const root = mkdtempSync(join(tmpdir(), 'ferry-sshd-'));
  const user = userInfo().username;
  const hostKeys: HostKey[] = [];
  for (const type of options.hostKeyTypes ?? ['ed25519', 'ecdsa', 'rsa']) {
    const pair = await createKeyPair(root, `host_${type}`, { type });
    hostKeys.push({ type, publicKey: pair.publicKey.split(' ').slice(0, 2).join(' '), fingerprint: pair.fingerprint });
  }
  const authorizedKeys = join(root, 'authorized_keys');
  const trace = join(root, 'packets.log');
  await writeFile(authorizedKeys, '', { mode: 0o600 });
  await writeFile(trace, '');
  // Privilege separation needs this directory when sshd starts as root (it does in CI).
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const sshdPort = await freePort();
  const config = [
    `Port ${sshdPort}`,
    'ListenAddress 127.0.0.1',
    ...hostKeys.map((key) => `HostKey ${join(root, `host_${key.type}`)}`),
    `PidFile ${join(root, 'sshd.pid')}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    // The test's files live in a world-readable temporary directory.
    'StrictModes no',
    // CI logs in as root: with a key only.
    'PermitRootLogin prohibit-password',
    'AcceptEnv GIT_PROTOCOL',
    // SHLVL: bash run by sshd reads ~/.bashrc (Debian builds it so) unless it is a nested shell;
    // this machine's root .bashrc starts slow tools, a Git host's account has no such shell.
    `SetEnv GIT_TRACE_PACKET=${trace} SHLVL=1`,
    'LogLevel VERBOSE',
    'MaxStartups 100',
    'MaxSessions 100',
  ].join('\n');
  await writeFile(join(root, 'sshd_config'), `${config}\n`);

  const sshd: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', join(root, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    sshd.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString('utf8');
      if (log.includes('Server listening on')) resolve();
    });
    sshd.once('exit', (code) => reject(new Error(`sshd exited (${code}) before listening: ${log}`)));
    sshd.once('error', reject);
  });

  // The relay: clients connect here; it forwards to sshd and counts.
  const open = new Set<net.Socket>();
  let accepted = 0;
  let peak = 0;
  let stalled = false;
  const relay = (client: net.Socket) => {
    accepted++;
    open.add(client);
    peak = Math.max(peak, open.size);
    client.once('close', () => open.delete(client));
    client.on('error', () => undefined);
    // Read and drop what a stalled connection sends, so its close is seen.
    if (stalled) return void client.resume();
    const upstream = net.connect(sshdPort, '127.0.0.1');
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  };
  const host = options.listen?.host ?? '127.0.0.1';
  let server = net.createServer(relay);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen?.port ?? 0, host, resolve);
  }).catch(async (error: unknown) => {
    sshd.kill('SIGTERM');
    rmSync(root, { recursive: true, force: true });
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  const closeRelay = () =>
    new Promise<void>((resolve) => {
      for (const socket of open) socket.destroy();
      server.close(() => resolve());
    });

  // As known_hosts names a host: bare on port 22.
  const knownHostsName = port === 22 ? host : `[${host}]:${port}`;
  return {
    host,
    port,
    user,
    hostKeys,
    knownHosts: (types) =>
      hostKeys
        .filter((key) => !types || types.includes(key.type))
        .map((key) => `${knownHostsName} ${key.publicKey}\n`)
        .join(''),
    url: (bareDir) => `ssh://${user}@${host}:${port}${bareDir}`,
    scpUrl: (bareDir) => `${user}@${host}:${bareDir}`,
    authorize: (publicKey) => appendFile(authorizedKeys, `${publicKey.trim()}\n`),
    connections: () => accepted,
    openConnections: () => open.size,
    peakOpenConnections: () => peak,
    async packets() {
      const text = await readFile(trace, 'utf8');
      return text
        .split('\n')
        .map((line) => /packet:\s+(upload-pack[<>] .*)$/.exec(line)?.[1])
        .filter((line): line is string => line !== undefined);
    },
    log: () => log,
    async resetCounts() {
      accepted = 0;
      peak = open.size;
      await writeFile(trace, '');
    },
    pause: closeRelay,
    async resume() {
      stalled = false;
      if (server.listening) return;
      server = net.createServer(relay);
      await new Promise<void>((resolve) => server.listen(port, host, resolve));
    },
    stall() {
      stalled = true;
    },
    async stop() {
      if (server.listening) await closeRelay();
      await new Promise<void>((resolve) => {
        if (sshd.exitCode !== null) return resolve();
        sshd.once('exit', () => resolve());
        sshd.kill('SIGTERM');
      });
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface SshAgent {
  /** What SSH_AUTH_SOCK is set to. */
  socket: string;
  /** ssh-add: loads a private key file (asking no passphrase: give an unencrypted one, or `passphrase`). */
  add(path: string): Promise<void>;
  stop(): Promise<void>;
}

/** A real ssh-agent in the foreground on a socket of its own. */
export async function startSshAgent(): Promise<SshAgent> {
  const root = mkdtempSync(join(tmpdir(), 'ferry-agent-'));
  const socket = join(root, 'agent.sock');
  const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
  while (!existsSync(socket)) {
    if (agent.exitCode !== null) throw new Error(`ssh-agent exited (${agent.exitCode})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    socket,
    add: async (path) => {
      await run('ssh-add', ['-q', path], { env: { SSH_AUTH_SOCK: socket } });
    },
    async stop() {
      await new Promise<void>((resolve) => {
        if (agent.exitCode !== null) return resolve();
        agent.once('exit', () => resolve());
        agent.kill('SIGTERM');
      });
      rmSync(root, { recursive: true, force: true });
    },
  };
}
