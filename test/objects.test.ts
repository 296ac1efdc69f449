import { describe, expect, it } from 'vitest';
import { describeError, FerryError, hasCode } from '../src/errors.js';
import { formatRef, groupOf, isJsonObject, objectKey, refOf, versionOf } from '../src/objects.js';
import { counted } from '../src/text.js';

describe('object references', () => {
  it('split an apiVersion into group and version', () => {
    expect([groupOf('apps/v1'), versionOf('apps/v1')]).toEqual(['apps', 'v1']);
    expect([groupOf('v1'), versionOf('v1')]).toEqual(['', 'v1']);
  });

  it('name objects as Kind/namespace/name, or Kind/name when cluster-scoped', () => {
    expect(formatRef({ kind: 'Deployment', namespace: 'shop', name: 'web' })).toBe('Deployment/shop/web');
    expect(formatRef({ kind: 'Namespace', name: 'shop' })).toBe('Namespace/shop');
  });

  it('key the same object served at two versions of one group as one object', () => {
    const v1 = refOf({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'shop' } });
    const v2 = refOf({ apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'shop' } });
    expect(objectKey(v1)).toBe(objectKey(v2));
    expect(objectKey(v1)).not.toBe(objectKey({ ...v1, namespace: 'other' }));
  });

  it('tell plain JSON objects from arrays and null', () => {
    expect([isJsonObject({}), isJsonObject([]), isJsonObject(null), isJsonObject('x')]).toEqual([true, false, false, false]);
  });
});

describe('errors', () => {
  it('carry a stable code, details and cause, and serialise without the stack', () => {
    const cause = new Error('socket hang up');
    const error = new FerryError('KUBE_NETWORK', 'cannot reach the API', { details: { url: 'https://k8s' }, cause });
    expect(hasCode(error, 'KUBE_NETWORK')).toBe(true);
    expect(hasCode(new Error('x'), 'KUBE_NETWORK')).toBe(false);
    expect(error.cause).toBe(cause);
    expect(JSON.parse(JSON.stringify(error))).toEqual({ name: 'FerryError', code: 'KUBE_NETWORK', message: 'cannot reach the API', details: { url: 'https://k8s' } });
    expect([describeError(error), describeError('plain')]).toEqual(['cannot reach the API', 'plain']);
  });
});

describe('counted', () => {
  it('agrees the noun with the number', () => {
    expect([counted(0, 'object'), counted(1, 'object'), counted(2, 'layer'), counted(1, 'entry', 'entries')]).toEqual(['0 objects', '1 object', '2 layers', '1 entry']);
  });
});
