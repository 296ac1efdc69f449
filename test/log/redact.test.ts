import { describe, expect, it } from 'vitest';
import { MASK, isCredentialKey, maskSecretObject, scrubSecrets, stripUrlCredentials } from '../../src/log/index.js';

describe('what counts as secret', () => {
  it.each(['password', 'bearerToken', 'tls.key', 'AWS_SECRET_ACCESS_KEY', 'api-key', 'Authorization', 'client_key'])('%s is a credential key', (key) => {
    expect(isCredentialKey(key)).toBe(true);
  });

  it.each(['name', 'replicas', 'image', 'url', 'namespace'])('%s is not', (key) => {
    expect(isCredentialKey(key)).toBe(false);
  });
});

describe('stripUrlCredentials', () => {
  it('removes user:password@ and masks credential query parameters', () => {
    expect(stripUrlCredentials('https://bot:s3cret@git.example.com/team/repo.git')).toBe('https://git.example.com/team/repo.git');
    expect(stripUrlCredentials('https://hooks.example.com/x?token=abc&channel=ops')).toBe(`https://hooks.example.com/x?token=${encodeURIComponent(MASK)}&channel=ops`);
  });

  it('keeps the account of an SSH URL, which is no secret, and drops a password', () => {
    expect(stripUrlCredentials('ssh://git@git.example.com:2222/team/repo.git')).toBe('ssh://git@git.example.com:2222/team/repo.git');
    expect(stripUrlCredentials('ssh://git:s3cret@git.example.com/team/repo.git')).toBe('ssh://git@git.example.com/team/repo.git');
    expect(stripUrlCredentials('git@git.example.com:team/repo.git')).toBe('git@git.example.com:team/repo.git');
  });

  it('drops what precedes an @ in addresses it cannot parse as URLs', () => {
    expect(stripUrlCredentials('not a url //user:pw@host/path')).toBe('not a url //host/path');
  });
});

describe('maskSecretObject', () => {
  it('masks every value of a Secret but keeps its keys, and the last-applied annotation', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"cGxhbnRlZA=="}}', team: 'shop' } },
      data: { password: 'cGxhbnRlZA==' },
      stringData: { token: 'planted' },
    };
    const masked = maskSecretObject(secret);
    expect(masked.data).toEqual({ password: MASK });
    expect(masked.stringData).toEqual({ token: MASK });
    expect(masked.metadata.annotations).toEqual({ 'kubectl.kubernetes.io/last-applied-configuration': MASK, team: 'shop' });
    expect(secret.data.password).toBe('cGxhbnRlZA=='); // the input is left as it was
  });

  it('leaves every other kind untouched', () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { password: 'visible-by-design' } };
    expect(maskSecretObject(configMap)).toBe(configMap);
  });
});

describe('scrubSecrets', () => {
  it('replaces every occurrence of each known secret value in free text', () => {
    expect(scrubSecrets('auth failed for hunter2 (hunter2)', ['hunter2'])).toBe(`auth failed for ${MASK} (${MASK})`);
  });

  it('ignores values too short to mask without garbling the text', () => {
    expect(scrubSecrets('a bc def', ['a', 'bc', 'def'])).toBe('a bc def');
  });
});
