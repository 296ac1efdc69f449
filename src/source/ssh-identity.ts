/**
 * An SSH private key as a Secret's `identity` or `--ssh-key` holds it: OpenSSH's own format or
 * PEM (PKCS#1 RSA, SEC1 ECDSA, and PKCS#8 for all three types, which ssh2 cannot read and Node's
 * crypto converts), encrypted or not.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { SshKeyError } from './errors.js';
import { describeKey } from './known-hosts.js';

export interface SshIdentity {
  /** What ssh2 signs with. */
  key: ParsedKey;
  /** `ED25519 SHA256:…`: names the key in messages (a public fact, not a secret). */
  description: string;
}

const ENCRYPTED = 'the SSH private key is encrypted: give its passphrase (identity.passphrase in the Secret), or load the key into ssh-agent';

/** Reads a private key; `where` names it in errors (the URL it is for). */
export function readIdentity(text: string, passphrase: string | undefined, where: string): SshIdentity {
  const source = /-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/.test(text) ? fromPkcs8(text, passphrase, where) : text;
  const parsed = ssh2.utils.parseKey(source, passphrase);
  if (parsed instanceof Error) {
    const message = parsed.message;
    if (/no passphrase given/i.test(message)) throw new SshKeyError('SOURCE_SSH_KEY_ENCRYPTED', `${where}: ${ENCRYPTED}`);
    if (/passphrase/i.test(message)) throw new SshKeyError('SOURCE_SSH_KEY_PASSPHRASE', `${where}: the passphrase does not decrypt the SSH private key`);
    throw new SshKeyError('SOURCE_SSH_KEY_INVALID', `${where}: the SSH identity is not an OpenSSH or PEM private key (ed25519, ECDSA or RSA)`);
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || !key.isPrivateKey()) {
    throw new SshKeyError('SOURCE_SSH_KEY_INVALID', `${where}: the SSH identity is a public key; it must be the private key`);
  }
  return { key, description: describeKey(key.getPublicSSH()) };
}

function fromPkcs8(text: string, passphrase: string | undefined, where: string): string | Buffer {
  let key: KeyObject;
  try {
    key = createPrivateKey(passphrase === undefined ? { key: text } : { key: text, passphrase });
  } catch (error) {
    const encrypted = text.includes('ENCRYPTED');
    if (encrypted && passphrase === undefined) throw new SshKeyError('SOURCE_SSH_KEY_ENCRYPTED', `${where}: ${ENCRYPTED}`);
    if (encrypted) throw new SshKeyError('SOURCE_SSH_KEY_PASSPHRASE', `${where}: the passphrase does not decrypt the SSH private key`);
    throw new SshKeyError('SOURCE_SSH_KEY_INVALID', `${where}: the SSH identity is not a readable PKCS#8 private key`, { cause: error });
  }
  if (key.asymmetricKeyType === 'rsa') return key.export({ type: 'pkcs1', format: 'pem' });
  if (key.asymmetricKeyType === 'ec') return key.export({ type: 'sec1', format: 'pem' });
  if (key.asymmetricKeyType === 'ed25519') return openSshEd25519(key);
  throw new SshKeyError('SOURCE_SSH_KEY_INVALID', `${where}: ${key.asymmetricKeyType} keys are not supported (ed25519, ECDSA or RSA)`);
}

/** An ed25519 key in OpenSSH's unencrypted format (PROTOCOL.key), the only one ssh2 reads ed25519 from. */
function openSshEd25519(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d ?? '', 'base64url');
  const pub = Buffer.from(jwk.x ?? '', 'base64url');
  const string = (value: Buffer | string) => {
    const data = Buffer.from(value);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, data]);
  };
  const publicBlob = Buffer.concat([string('ssh-ed25519'), string(pub)]);
  const check = Buffer.alloc(8);
  check.writeUInt32BE(0x6665_7272, 0);
  check.writeUInt32BE(0x6665_7272, 4);
  let secret = Buffer.concat([check, publicBlob, string(Buffer.concat([seed, pub])), string('')]);
  const padding = (8 - (secret.length % 8)) % 8;
  secret = Buffer.concat([secret, Buffer.from(Array.from({ length: padding }, (_, i) => i + 1))]);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(1);
  const body = Buffer.concat([Buffer.from('openssh-key-v1\0', 'latin1'), string('none'), string('none'), string(''), count, string(publicBlob), string(secret)]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}
