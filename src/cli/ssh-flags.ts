/**
 * The SSH flags of plan, diff and apply, for an ssh:// or scp-like source: the key to log in with
 * (`--ssh-key FILE`, else the keys of ssh-agent through SSH_AUTH_SOCK, as git does) and the host
 * keys to trust (`--known-hosts FILE`, default ~/.ssh/known_hosts). The host key is always checked.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { FerryError } from '../errors.js';
import { isSshUrl, type GitCredentials } from '../source/index.js';
import type { SyncSource } from '../sync/index.js';

export interface SshFlags {
  sshKey?: string;
  knownHosts?: string;
}

/** Adds the SSH flags to a command. */
export function addSshOptions(command: Command): Command {
  return command
    .option('--ssh-key <file>', 'for an SSH Git URL: the private key to log in with (default: the keys of ssh-agent, SSH_AUTH_SOCK)')
    .option('--known-hosts <file>', 'for an SSH Git URL: the known_hosts file the server’s host key must be in (default: ~/.ssh/known_hosts)');
}

/** A Git source over SSH with the key and known_hosts the flags and environment give; other sources as they are. */
export function withSshAccess(source: SyncSource, flags: SshFlags, env: NodeJS.ProcessEnv): SyncSource {
  const ssh = source.type === 'git' && isSshUrl(source.url);
  if (!ssh) {
    if (flags.sshKey) throw new FerryError('CLI_BAD_FLAG', '--ssh-key applies to SSH Git URLs (ssh://… or git@host:path)');
    if (flags.knownHosts) throw new FerryError('CLI_BAD_FLAG', '--known-hosts applies to SSH Git URLs (ssh://… or git@host:path)');
    return source;
  }
  const knownHostsFile = flags.knownHosts ?? join(env.HOME ?? homedir(), '.ssh', 'known_hosts');
  const credentials: GitCredentials = { knownHosts: readFlagFile(knownHostsFile, flags.knownHosts ? '--known-hosts' : undefined) ?? '' };
  if (flags.sshKey) credentials.identity = readFlagFile(flags.sshKey, '--ssh-key') ?? '';
  else if (env.SSH_AUTH_SOCK) credentials.agentSocket = env.SSH_AUTH_SOCK;
  else throw new FerryError('CLI_BAD_FLAG', `${source.url}: no SSH key: give --ssh-key FILE, or start ssh-agent and ssh-add the key (SSH_AUTH_SOCK)`);
  return { ...source, credentials: { ...source.credentials, ...credentials } };
}

/** A file a flag names (an error when missing); without a flag, the default file or undefined. */
function readFlagFile(path: string, flag: string | undefined): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (!flag && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FerryError('CLI_BAD_FLAG', `${flag ?? 'known_hosts'} ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}
