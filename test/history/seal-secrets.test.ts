import { describe, expect, it } from 'vitest';
import { isSealedSecret, sealSecret, sealSecrets } from '../../src/history/index.js';
import type { KubeObject } from '../../src/objects.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const secret = (fields: Record<string, unknown>, name = 'db'): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'shop' }, type: 'Opaque', ...fields });
const dataOf = (object: KubeObject) => object.data as Record<string, string>;

describe('sealing the Secrets of a history entry', () => {
  it('replaces every value by a digest and keeps the keys, the type and the metadata', () => {
    const sealed = sealSecret(secret({ data: { token: b64('s3cr3t-token') }, stringData: { password: 'hunter2-hunter2' } }));
    expect(Object.keys(dataOf(sealed)).sort()).toEqual(['password', 'token']);
    expect(sealed).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'db', namespace: 'shop' } });
    expect(sealed.stringData).toBeUndefined();
    expect(JSON.stringify(sealed)).not.toMatch(/s3cr3t-token|hunter2|czNjcjN0|aHVudGVy/);
    for (const value of Object.values(dataOf(sealed))) expect(value).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(isSealedSecret(sealed)).toBe(true);
  });

  it('tells what changed: one value seals alike as data or stringData, another value differently', () => {
    const asData = dataOf(sealSecret(secret({ data: { password: b64('one') } })));
    const asStringData = dataOf(sealSecret(secret({ stringData: { password: 'one' } })));
    const changed = dataOf(sealSecret(secret({ stringData: { password: 'two' } })));
    expect(asData.password).toBe(asStringData.password);
    expect(changed.password).not.toBe(asData.password);
  });

  it('does not show one value in two places as equal (the digest is keyed by namespace, name and key)', () => {
    const a = dataOf(sealSecret(secret({ stringData: { password: 'same', other: 'same' } }, 'a')));
    const b = dataOf(sealSecret(secret({ stringData: { password: 'same' } }, 'b')));
    expect(a.password).not.toBe(b.password);
    expect(a.password).not.toBe(a.other);
  });

  it('changes nothing sealed twice, leaves other kinds alone, and drops the last-applied annotation that embeds the values', () => {
    const withAnnotation = secret({ stringData: { password: 'pw-123456' } });
    withAnnotation.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{"stringData":{"password":"pw-123456"}}', team: 'payments' };
    const once = sealSecret(withAnnotation);
    expect(sealSecret(once)).toEqual(once);
    expect(once.metadata.annotations).toEqual({ team: 'payments' });
    const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { password: 'not-a-secret' } };
    expect(sealSecrets([configMap])).toEqual([configMap]);
    expect(isSealedSecret(secret({ data: { token: b64('x') } }))).toBe(false);
  });
});
