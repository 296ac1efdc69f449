import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { diffObject, diffToJson, formatDiff } from '../../src/diff/index.js';

const PLANTED = ['pl4nted-old-password', 'pl4nted-new-password', 'pl4nted-token-value', 'pl4nted-annotation-secret'];
const b64 = (text: string) => Buffer.from(text).toString('base64');

const live: KubeObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'creds', namespace: 'shop', resourceVersion: '9', annotations: { 'example.com/api-token': PLANTED[3] as string } },
  type: 'Opaque',
  data: { password: b64(PLANTED[0] as string), token: b64(PLANTED[2] as string) },
};
const desired: KubeObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'creds', namespace: 'shop', annotations: { 'example.com/api-token': 'rotated-annotation-secret' } },
  type: 'Opaque',
  stringData: { password: PLANTED[1] as string, token: PLANTED[2] as string, extra: 'pl4nted-extra-value' },
};

const outputs = (diff: ReturnType<typeof diffObject>) => [
  formatDiff(diff),
  formatDiff(diff, { color: true }),
  JSON.stringify(diffToJson(diff)),
  diff.paths.join('\n'),
];

describe('Secret values in diff output', () => {
  const changed = diffObject({ desired, live });
  const created = diffObject({ desired });
  const deleted = diffObject({ live });

  it.each([
    ['changed', changed],
    ['create', created],
    ['delete', deleted],
  ])('never appear, plain or base64, in any output format of a %s diff', (_name, diff) => {
    for (const text of outputs(diff)) {
      for (const secret of [...PLANTED, 'pl4nted-extra-value', 'rotated-annotation-secret']) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(b64(secret));
      }
    }
  });

  it('marks changed values and keeps the keys visible', () => {
    const text = formatDiff(changed);
    expect(text).toContain('password: "*** (changed)"');
    expect(text).toContain('token: "***"');
    expect(text).toContain('extra: "*** (changed)"');
  });
});
