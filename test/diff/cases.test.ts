import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import jsonpatch from 'fast-json-patch';
import type { KubeObject } from '../../src/objects.js';
import { computeTarget, diffObject, normalizeObject, type DiffOptions, type IgnoreRule } from '../../src/diff/index.js';
import { crdSchema, serverSchema } from './support/schemas.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);

interface Expected {
  action: string;
  paths?: string[];
  targetContainers?: string[];
  ignore?: IgnoreRule[];
  /** A custom resource's CRD (by name): its schema drives the merge. */
  crd?: string;
}

const read = (dir: string, part: string): KubeObject | undefined => {
  const file = new URL(`${dir}/${part}.yaml`, FIXTURES);
  return existsSync(file) ? (parse(readFileSync(file, 'utf8'), { version: '1.1' }) as KubeObject) : undefined;
};

const cases = readdirSync(FIXTURES).sort();

/**
 * Every case runs with each schema a sync can have: the server's OpenAPI v3 (the 1.32
 * documents), and none (a server without `/openapi/v3`: the built-in table). A custom resource
 * runs with its CRD's schema, or none when the case names no CRD.
 */
const runs: Array<[string, string, DiffOptions]> = cases.flatMap((dir): Array<[string, string, DiffOptions]> => {
  const expected = parse(readFileSync(new URL(`${dir}/expected.yaml`, FIXTURES), 'utf8')) as Expected;
  const object = (read(dir, 'desired') ?? read(dir, 'live')) as KubeObject;
  if (expected.crd) return [[dir, 'the CRD schema', { schema: crdSchema(expected.crd, object.apiVersion) }]];
  const server = serverSchema(object.apiVersion, object.kind);
  return [...(server ? [[dir, 'the server OpenAPI', { schema: server }] as [string, string, DiffOptions]] : []), [dir, 'no OpenAPI', {}]];
});

describe('three-way diff, one fixture folder per case', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(runs)('%s (with %s)', (dir, _schema, schemaOptions) => {
    const expected = parse(readFileSync(new URL(`${dir}/expected.yaml`, FIXTURES), 'utf8')) as Expected;
    const base = read(dir, 'base');
    const desired = read(dir, 'desired');
    const live = read(dir, 'live');
    const options: DiffOptions = { ignore: expected.ignore ?? [], ...schemaOptions };
    const diff = diffObject({ ...(base ? { base } : {}), ...(desired ? { desired } : {}), ...(live ? { live } : {}) }, options);
    expect(diff.action).toBe(expected.action);
    if (expected.paths) expect(diff.paths).toEqual(expected.paths);
    if (expected.targetContainers) {
      const containers = (diff.target as unknown as { spec: { template: { spec: { containers: Array<{ name: string }> } } } }).spec.template.spec.containers;
      expect(containers.map((c) => c.name)).toEqual(expected.targetContainers);
    }
    if (diff.action === 'changed' && live) {
      // The patch leads with the resourceVersion test and turns live into target exactly.
      expect(diff.patch[0]).toEqual({ op: 'test', path: '/metadata/resourceVersion', value: live.metadata.resourceVersion });
      const patched = jsonpatch.applyPatch(structuredClone(live), diff.patch.slice(1) as jsonpatch.Operation[], true, false).newDocument;
      expect(normalizeObject(patched as KubeObject)).toEqual(normalizeObject(diff.target as KubeObject));
      expect(diff.patch.some((op) => op.path.startsWith('/status') || /^\/metadata\/(uid|resourceVersion|generation|managedFields|creationTimestamp)/.test(op.path) && op.op !== 'test')).toBe(false);
    }
    if (diff.action !== 'create' && diff.action !== 'delete' && desired && live) {
      // Merging again onto the target changes nothing: the merge is idempotent.
      const again = computeTarget({ ...(base ? { base } : {}), desired, live: diff.target as KubeObject }, options);
      expect(normalizeObject(again)).toEqual(normalizeObject(diff.target as KubeObject));
    }
  });
});
