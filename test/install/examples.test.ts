import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { gitSyncCrd } from '../agent/harness.js';
import { runCli } from '../support/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema; enum?: unknown[]; required?: string[]; additionalProperties?: Schema | boolean; 'x-kubernetes-preserve-unknown-fields'?: boolean };

/** Every field of `value` the schema does not know, has the wrong type, or a value outside its enum. */
function schemaProblems(value: unknown, schema: Schema, path: string): string[] {
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`];
  if (schema.type === 'array') return Array.isArray(value) ? value.flatMap((item, i) => schemaProblems(item, schema.items ?? {}, `${path}[${i}]`)) : [`${path}: not an array`];
  if (schema.type !== 'object') return typeof value === (schema.type === 'integer' ? 'number' : schema.type) || !schema.type ? [] : [`${path}: not of type ${schema.type}`];
  if (typeof value !== 'object' || value === null) return [`${path}: not an object`];
  const fields = value as Record<string, unknown>;
  const missing = (schema.required ?? []).filter((key) => !(key in fields)).map((key) => `${path}.${key}: required`);
  return missing.concat(
    Object.entries(fields).flatMap(([key, child]) => {
      const childSchema = schema.properties?.[key] ?? (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (childSchema) return schemaProblems(child, childSchema, `${path}.${key}`);
      return schema['x-kubernetes-preserve-unknown-fields'] || schema.additionalProperties === true ? [] : [`${path}.${key}: unknown field`];
    }),
  );
}

describe('the examples the README shows', () => {
  it('`ferry plan examples/hello` prints the objects in apply order without a cluster', async () => {
    const result = await runCli(['plan', `${ROOT}examples/hello`]);
    expect(result.exitCode).toBe(0);
    const kinds = result.stdout.trim().split('\n').slice(1).map((line) => line.split(/\s+/)[1]);
    expect(kinds).toEqual(['Namespace', 'ConfigMap', 'Service', 'Deployment']);
  });

  it('examples/gitsync.yaml is a valid GitSync by the CRD schema', () => {
    const gitsync = parse(readFileSync(`${ROOT}examples/gitsync.yaml`, 'utf8')) as { apiVersion: string; kind: string; spec: unknown };
    const crd = gitSyncCrd() as unknown as { spec: { group: string; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } };
    const version = crd.spec.versions.find((v) => `${crd.spec.group}/${v.name}` === gitsync.apiVersion);
    expect(version, `CRD serves ${gitsync.apiVersion}`).toBeDefined();
    const specSchema = version?.schema.openAPIV3Schema.properties?.spec as Schema;
    expect(schemaProblems(gitsync.spec, specSchema, 'spec')).toEqual([]);
  });

  it('every GitSync of examples/tenants is valid by the CRD schema', () => {
    const crd = gitSyncCrd() as unknown as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
    const specSchema = crd.spec.versions[0]?.schema.openAPIV3Schema.properties?.spec as Schema;
    const files = ['examples/tenants/bootstrap.yaml', 'examples/tenants/platform/team-a.yaml', 'examples/tenants/platform/team-b.yaml'];
    const gitsyncs = files.flatMap((file) => parseAllDocuments(readFileSync(`${ROOT}${file}`, 'utf8')).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: unknown }).filter((d) => d?.kind === 'GitSync'));
    expect(gitsyncs.map((g) => g.metadata.name)).toEqual(['platform', 'apps', 'apps']);
    for (const gitsync of gitsyncs) expect(schemaProblems(gitsync.spec, specSchema, 'spec')).toEqual([]);
  });

  it('the schema check itself catches unknown fields, wrong types and values outside an enum', () => {
    const schema: Schema = { type: 'object', required: ['url'], properties: { url: { type: 'string' }, mode: { type: 'string', enum: ['a', 'b'] }, n: { type: 'integer' } } };
    expect(schemaProblems({ mode: 'c', n: 'x', extra: 1 }, schema, 'spec')).toEqual([
      'spec.url: required',
      'spec.mode: "c" is not one of a, b',
      'spec.n: not of type integer',
      'spec.extra: unknown field',
    ]);
  });
});
