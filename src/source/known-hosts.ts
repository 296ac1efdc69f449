/**
 * known_hosts, read as OpenSSH reads it (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): one key per
 * line after a comma-separated list of host patterns — plain names, `[host]:port`, `*` and `?`
 * wildcards, `!` negations, and hashed names (`|1|salt|hash`, an HMAC-SHA1 of the name). A line
 * marked `@revoked` refuses its key; `@cert-authority` lines (host certificates) are not used.
 * Pure: the transport hands in the text and the key the server showed.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface KnownHostKey {
  patterns: string[];
  marker: 'revoked' | 'cert-authority' | undefined;
  /** `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa` … */
  type: string;
  /** The key in SSH wire format. */
  key: Buffer;
}

export type HostKeyVerdict =
  | { status: 'known' }
  /** No line names the host. */
  | { status: 'unknown' }
  /** Lines name the host with other keys. */
  | { status: 'changed'; expected: KnownHostKey[] }
  | { status: 'revoked' };

/** The usable lines of a known_hosts text; comments, blank and malformed lines are skipped, as ssh does. */
export function parseKnownHosts(text: string): KnownHostKey[] {
  const keys: KnownHostKey[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const fields = raw.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith('#')) continue;
    let marker: KnownHostKey['marker'];
    if (fields[0].startsWith('@')) {
      const name = fields.shift()?.slice(1);
      if (name !== 'revoked' && name !== 'cert-authority') continue;
      marker = name;
    }
    const [hosts, type, base64] = fields;
    if (!hosts || !type || !base64 || !/^[A-Za-z0-9+/]+=*$/.test(base64)) continue;
    const key = Buffer.from(base64, 'base64');
    if (keyType(key) !== type) continue;
    keys.push({ patterns: hosts.split(','), marker, type, key });
  }
  return keys;
}

/** Whether `key` is the one known_hosts lists for `name` (`host` or `[host]:port`). */
export function checkHostKey(known: KnownHostKey[], name: string, key: Buffer): HostKeyVerdict {
  const forHost = known.filter((entry) => entry.marker !== 'cert-authority' && hostMatches(entry.patterns, name));
  if (forHost.some((entry) => entry.marker === 'revoked' && entry.key.equals(key))) return { status: 'revoked' };
  const expected = forHost.filter((entry) => entry.marker === undefined);
  if (expected.some((entry) => entry.key.equals(key))) return { status: 'known' };
  return expected.length === 0 ? { status: 'unknown' } : { status: 'changed', expected };
}

/**
 * The host key algorithms to offer a server, for the key types known_hosts holds for it, so a
 * server with several host keys shows the one we can check (OpenSSH orders them the same way).
 * Undefined when none is known: the library's defaults then, and the check refuses whatever comes.
 */
export function hostKeyAlgorithms(known: KnownHostKey[], name: string): string[] | undefined {
  const types = new Set(known.filter((entry) => entry.marker === undefined && hostMatches(entry.patterns, name)).map((entry) => entry.type));
  const algorithms = [...types].flatMap((type) => (type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type]));
  return algorithms.length > 0 ? algorithms : undefined;
}

/** OpenSSH's fingerprint of a key: `SHA256:` and the unpadded base64 of its SHA-256. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** `ED25519 SHA256:…`, as ssh-keygen -l names a key. */
export function describeKey(key: Buffer): string {
  const type = keyType(key) ?? 'unknown';
  const name = type === 'ssh-ed25519' ? 'ED25519' : type.startsWith('ecdsa-') ? 'ECDSA' : type === 'ssh-rsa' ? 'RSA' : type;
  return `${name} ${fingerprint(key)}`;
}

/** The type name a wire-format key starts with. */
export function keyType(key: Buffer): string | undefined {
  if (key.length < 4) return undefined;
  const length = key.readUInt32BE(0);
  return length > 0 && 4 + length <= key.length ? key.subarray(4, 4 + length).toString('latin1') : undefined;
}

/** A line matches when one of its patterns does and none of its negations. */
function hostMatches(patterns: string[], name: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    if (!patternMatches(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [salt, hash] = pattern.slice(3).split('|');
    if (!salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64');
    const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
  const glob = new RegExp(`^${pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\[/g, '\\[').replace(/\]/g, '\\]').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return glob.test(name);
}
