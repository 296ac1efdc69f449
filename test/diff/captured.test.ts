import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../src/objects.js';
import { diffObject, type DiffOptions } from '../../src/diff/index.js';
import { crdSchema, serverSchema } from './support/schemas.js';

interface Capture {
  source: string;
  create: { requestBody: KubeObject };
  stored: KubeObject;
  afterControllers: KubeObject;
}

function capturesOf(version: string) {
  const dir = new URL(`../fixtures/kube-apiserver-${version}/`, import.meta.url);
  return readdirSync(dir)
    .filter((file) => /^\d\d-.*\.json$/.test(file))
    .map((file) => {
      const capture = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Capture;
      return { file, capture, desired: manifestOf(dir, capture) };
    });
}

/** The manifest as written in Git (YAML, before the server saw it). */
function manifestOf(dir: URL, capture: Capture): KubeObject {
  const documents = parseAllDocuments(readFileSync(new URL(`manifests/${capture.source}`, dir), 'utf8'), { version: '1.1' }).map((d) => d.toJS() as KubeObject);
  const sent = capture.create.requestBody;
  return documents.find((d) => d.kind === sent.kind && d.metadata.name === sent.metadata.name) ?? sent;
}

/** 1.32 answers are diffed with the schema its OpenAPI documents give, and with none; 1.19 had no /openapi/v3. */
const runs = [
  ...capturesOf('1.19').map(({ file, capture, desired }) => [`1.19 ${file}`, 'no OpenAPI', capture, desired, {}] as const),
  ...capturesOf('1.32').flatMap(({ file, capture, desired }) => {
    const schema = desired.kind === 'Widget' ? crdSchema('widgets.example.com', desired.apiVersion) : serverSchema(desired.apiVersion, desired.kind);
    return [[`1.32 ${file}`, 'the server schema', capture, desired, schema ? { schema } : {}] as const, [`1.32 ${file}`, 'no OpenAPI', capture, desired, {}] as const];
  }),
] as Array<readonly [string, string, Capture, KubeObject, DiffOptions]>;

describe('objects a real kube-apiserver stored', () => {
  it.each(runs)('%s (%s): the manifest from Git does not drift from what the server stored', (_file, _schema, capture, desired, options) => {
    expect(diffObject({ desired, live: capture.stored, base: desired }, options)).toMatchObject({ action: 'unchanged', paths: [], patch: [] });
  });

  it.each(runs)('%s (%s): nor from what it holds after the controllers wrote status', (_file, _schema, capture, desired, options) => {
    expect(diffObject({ desired, live: capture.afterControllers }, options).action).toBe('unchanged');
  });

  it.each(runs)('%s (%s): a live object never drifts from itself', (_file, _schema, capture, _desired, options) => {
    expect(diffObject({ desired: capture.stored, live: capture.stored, base: capture.stored }, options).action).toBe('unchanged');
  });
});
