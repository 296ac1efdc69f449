import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { diffObject, formatDiff } from '../../src/diff/index.js';

describe('a diff as text', () => {
  it('prints apiVersion, kind and metadata first, whatever order the live object came in', () => {
    // A watch event or an apply's answer can carry the keys in another order than a GET.
    const live = { data: { colour: 'blue' }, metadata: { name: 'settings', namespace: 'shop' }, kind: 'ConfigMap', apiVersion: 'v1' } as unknown as KubeObject;
    const desired: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { colour: 'green' } };
    const lines = formatDiff(diffObject({ desired, live }), { context: 10 }).split('\n');
    expect(lines.slice(3)).toEqual(['@@ -1,7 +1,7 @@', ' apiVersion: v1', ' kind: ConfigMap', ' metadata:', '   name: settings', '   namespace: shop', ' data:', '-  colour: blue', '+  colour: green', '']);
  });
});
