import { describe, expect, it } from 'vitest';
import jsonpatch from 'fast-json-patch';
import type { KubeObject } from '../../src/objects.js';
import { computeTarget, diffObject, normalizeObject, type DiffOptions } from '../../src/diff/index.js';
import { serverSchema } from './support/schemas.js';

/** A small seeded PRNG (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rnd: () => number, items: T[]): T {
  return items[Math.floor(rnd() * items.length)] as T;
}

/** A random Deployment-like object with maps, keyed lists, atomic lists and scalars. */
function randomObject(rnd: () => number, rv: string): KubeObject {
  const containers = Array.from({ length: 1 + Math.floor(rnd() * 3) }, (_, i) => ({
    name: pick(rnd, ['web', 'log', 'proxy', 'init']) + i,
    image: `img:${Math.floor(rnd() * 4)}`,
    ...(rnd() > 0.5 ? { env: Array.from({ length: Math.floor(rnd() * 3) }, (_, j) => ({ name: `V${j}`, value: String(Math.floor(rnd() * 3)) })) } : {}),
    ...(rnd() > 0.5 ? { ports: [{ containerPort: 80 + Math.floor(rnd() * 3), protocol: 'TCP' }] } : {}),
  }));
  const labels: Record<string, string> = {};
  for (const key of ['a', 'b', 'c']) if (rnd() > 0.5) labels[key] = String(Math.floor(rnd() * 3));
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'p', resourceVersion: rv, labels },
    spec: {
      replicas: Math.floor(rnd() * 4),
      ...(rnd() > 0.5 ? { paused: rnd() > 0.5 } : {}),
      template: { spec: { containers, ...(rnd() > 0.5 ? { tolerations: [{ key: pick(rnd, ['x', 'y']), operator: 'Exists' }] } : {}) } },
    },
  };
}

const SEEDS = Array.from({ length: 200 }, (_, i) => i + 1);

/** With the schema a 1.32 server's OpenAPI gives a Deployment, and with the built-in table. */
const SCHEMAS: Array<[string, DiffOptions]> = [
  ['the server OpenAPI', { schema: serverSchema('apps/v1', 'Deployment') as NonNullable<DiffOptions['schema']> }],
  ['no OpenAPI', {}],
];

describe.each(SCHEMAS)('diff properties over 200 random objects (with %s)', (_name, options) => {
  it('applying the generated patch to live yields the target', () => {
    for (const seed of SEEDS) {
      const rnd = random(seed);
      const base = randomObject(rnd, '1');
      const desired = randomObject(rnd, '1');
      const live = randomObject(rnd, '42');
      const diff = diffObject({ base, desired, live }, options);
      if (diff.action !== 'changed') continue;
      const patched = jsonpatch.applyPatch(structuredClone(live), diff.patch as jsonpatch.Operation[], true, false).newDocument as KubeObject;
      expect(normalizeObject(patched), `seed ${seed}`).toEqual(normalizeObject(diff.target as KubeObject));
    }
  });

  it('merging twice is idempotent', () => {
    for (const seed of SEEDS) {
      const rnd = random(seed);
      const base = randomObject(rnd, '1');
      const desired = randomObject(rnd, '1');
      const live = randomObject(rnd, '42');
      const once = computeTarget({ base, desired, live }, options);
      const twice = computeTarget({ base, desired, live: once }, options);
      expect(normalizeObject(twice), `seed ${seed}`).toEqual(normalizeObject(once));
    }
  });

  it('an object diffed against itself is unchanged with an empty patch', () => {
    for (const seed of SEEDS) {
      const live = randomObject(random(seed), '7');
      expect(diffObject({ base: live, desired: live, live }, options), `seed ${seed}`).toMatchObject({ action: 'unchanged', patch: [] });
    }
  });
});
