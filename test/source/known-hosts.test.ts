import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkHostKey, fingerprint, hostKeyAlgorithms, parseKnownHosts } from '../../src/source/known-hosts.js';

const wire = (type: string, body: string) => {
  const t = Buffer.from(type);
  const b = Buffer.from(body);
  const out = Buffer.alloc(8 + t.length + b.length);
  out.writeUInt32BE(t.length, 0);
  t.copy(out, 4);
  out.writeUInt32BE(b.length, 4 + t.length);
  b.copy(out, 8 + t.length);
  return out;
};
const ed = wire('ssh-ed25519', 'a'.repeat(32));
const other = wire('ssh-ed25519', 'b'.repeat(32));
const rsa = wire('ssh-rsa', 'r'.repeat(64));
const line = (hosts: string, key: Buffer) => `${hosts} ${key.subarray(4, 4 + key.readUInt32BE(0)).toString()} ${key.toString('base64')}`;
const hashed = (name: string) => {
  const salt = Buffer.from('0123456789abcdef0123');
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
};

describe('known_hosts', () => {
  it('knows a key listed for the host, on the default port and as [host]:port', () => {
    const known = parseKnownHosts(`# comment\n\n${line('github.com,140.82.112.3', ed)}\n${line('[git.example.com]:2222', rsa)}\n`);
    expect(checkHostKey(known, 'github.com', ed)).toEqual({ status: 'known' });
    expect(checkHostKey(known, '[git.example.com]:2222', rsa)).toEqual({ status: 'known' });
    expect(checkHostKey(known, 'git.example.com', rsa)).toEqual({ status: 'unknown' });
  });

  it('reports a changed key with the keys it expected', () => {
    const known = parseKnownHosts(line('github.com', ed));
    expect(checkHostKey(known, 'github.com', other)).toMatchObject({ status: 'changed', expected: [{ key: ed }] });
  });

  it('matches hashed names, wildcards and negations', () => {
    const known = parseKnownHosts([line(hashed('[127.0.0.1]:2222'), ed), line('*.example.com,!evil.example.com', other)].join('\n'));
    expect(checkHostKey(known, '[127.0.0.1]:2222', ed)).toEqual({ status: 'known' });
    expect(checkHostKey(known, '[127.0.0.1]:2223', ed)).toEqual({ status: 'unknown' });
    expect(checkHostKey(known, 'git.example.com', other)).toEqual({ status: 'known' });
    expect(checkHostKey(known, 'evil.example.com', other)).toEqual({ status: 'unknown' });
  });

  it('refuses a revoked key and ignores certificate authorities and malformed lines', () => {
    const known = parseKnownHosts([`@revoked ${line('*', other)}`, line('github.com', other), `@cert-authority ${line('github.com', ed)}`, 'github.com ssh-ed25519 !!notbase64', 'github.com ssh-rsa ' + ed.toString('base64')].join('\n'));
    expect(checkHostKey(known, 'github.com', other)).toEqual({ status: 'revoked' });
    expect(checkHostKey(known, 'github.com', ed)).toMatchObject({ status: 'changed' });
  });

  it('offers the server the algorithms of the key types it lists for the host', () => {
    const known = parseKnownHosts([line('github.com', rsa), line('github.com', ed), line('gitlab.com', ed)].join('\n'));
    expect(hostKeyAlgorithms(known, 'github.com')).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ssh-ed25519']);
    expect(hostKeyAlgorithms(known, 'example.org')).toBeUndefined();
  });

  it("prints fingerprints as ssh-keygen does (SHA256, unpadded base64)", () => {
    expect(fingerprint(ed)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
