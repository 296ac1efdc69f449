import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { formatRef, refOf } from '../../src/objects.js';
import { RenderError, renderManifests, type RenderOptions } from '../../src/render/index.js';
import { openLocalTree, treeFromFiles } from '../../src/source/index.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const caseDirs = (kind: 'ok' | 'bad') => readdirSync(join(FIXTURES, kind)).sort();
const readCase = (kind: string, name: string) => JSON.parse(readFileSync(join(FIXTURES, kind, name, 'case.json'), 'utf8')) as { options: Partial<RenderOptions>; expected: unknown };

async function render(kind: string, name: string, options: Partial<RenderOptions>) {
  return renderManifests({ tree: await openLocalTree(join(FIXTURES, kind, name, 'files')), ...options });
}

describe('rendering real-world layouts', () => {
  it.each(caseDirs('ok').filter((name) => !name.startsWith('kustomize')))('%s', async (name) => {
    const { options, expected } = readCase('ok', name);
    const result = await render('ok', name, options);
    expect(result.renderer).toBe('plain');
    expect(result.objects.map((o) => `${formatRef(refOf(o.object))} ${o.source.file}:${o.source.line}`)).toEqual(expected);
    for (const object of result.objects) expect(object.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('substitutes variables and defaults, and keeps escaped ones literal', async () => {
    const result = await render('ok', 'substitution', readCase('ok', 'substitution').options);
    expect(result.objects[0]?.object.data).toEqual({ region: 'eu-west-1', literal: '${NOT_A_VAR}' });
  });

  it('reads YAML the way kubectl does (1.1 rules, timestamps stay strings)', async () => {
    const result = await render('ok', 'yaml-1-1-values', {});
    expect(result.objects[0]?.object.data).toEqual({ date: '2024-01-01' });
  });

  it('builds a kustomize overlay exactly as kubectl kustomize does, locating objects in their sources', async () => {
    const { options } = readCase('ok', 'kustomize-overlay');
    const result = await render('ok', 'kustomize-overlay', options);
    expect(result.renderer).toBe('kustomize');
    const expected = parseAllDocuments(execFileSync('kubectl', ['kustomize', join(FIXTURES, 'ok', 'kustomize-overlay', 'files', 'overlays', 'prod')], { encoding: 'utf8' })).map((d) => d.toJS());
    expect(result.objects.map((o) => o.object)).toEqual(expected);
    const where = Object.fromEntries(result.objects.map((o) => [formatRef(refOf(o.object)), `${o.source.file}:${o.source.line}`]));
    expect(where['Deployment/prod/prod-web']).toBe('base/deploy.yaml:4');
    expect(where['Service/prod/prod-web']).toBe('base/service.yaml:4');
    expect(Object.keys(where).some((ref) => ref.startsWith('ConfigMap/prod/prod-settings-'))).toBe(true);
  });

  it('renders an empty directory as zero objects (prune refuses empty renders later)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'ferry-empty-'));
    expect((await renderManifests({ tree: await openLocalTree(empty) })).objects).toEqual([]);
    rmSync(empty, { recursive: true });
  });

  it('warns about, and drops, a namespace on a cluster-scoped object', async () => {
    const files = [{ path: 'ns.yaml', content: Buffer.from('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  namespace: oops\n') }];
    const result = await renderManifests({ tree: treeFromFiles(files, 'test') });
    expect(result.objects[0]?.object.metadata.namespace).toBeUndefined();
    expect(result.warnings).toMatchObject([{ code: 'RENDER_NAMESPACE_IGNORED', file: 'ns.yaml', line: 5 }]);
  });
});

describe('bad input: a clear, located error for every case, and nothing rendered', () => {
  it('has at least 20 cases', () => {
    expect(caseDirs('bad').length).toBeGreaterThanOrEqual(20);
  });

  it.each(caseDirs('bad'))('%s', async (name) => {
    const { options, expected } = readCase('bad', name);
    const error = await render('bad', name, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RenderError);
    const problems = (error as RenderError).problems.map((p) => [p.code, p.file, p.line]);
    expect(problems).toEqual(expected);
    for (const line of (error as RenderError).message.split('\n').slice(1)) expect(line).toMatch(/^\S+:\d+:\d+: .+/);
  });
});
