import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { canonicalJson, isJsonObject } from '../../objects.js';
import type { SourceFile, SourceTree } from '../../source/types.js';
import { FORCE_ANNOTATION, HOOK_RUN_ANNOTATION, WAVE_ANNOTATION } from '../../well-known.js';
import type { RenderCache } from '../cache.js';
import type { Capabilities } from '../cluster-facts.js';
import { RenderError, type RenderProblem } from '../errors.js';
import { parseManifestFile, type ParseLimits, type ParsedDocument } from '../parse.js';
import { readChartLayout, type ChartLayout } from './chart.js';
import { locateHelm, runHelm } from './helm-binary.js';
import { helmHookOf, hookWave } from './hooks.js';
import { locateHelmError } from './locate-error.js';
import { isCrdsSource, sourceInTree, splitTemplateOutput } from './output.js';
import { secretStringsOf, type HelmValues } from './values.js';

/** How a chart is rendered: `helm template` as `helm install` would render it for this release. */
export interface HelmOptions {
  /** `.Release.Name` (a sync passes its name; default: the chart's name). */
  releaseName?: string;
  /** `.Release.Namespace` and where objects that name no namespace go (default: targetNamespace, else `default`). */
  namespace?: string;
  /** Values files in the tree (paths from its root), in order, after the chart's values.yaml. */
  valuesFiles?: readonly string[];
  /** Values after the files, in order: valuesFrom, inline values, `--values FILE`. */
  values?: readonly HelmValues[];
  /** `--set key=value`, after everything else. */
  set?: readonly string[];
  /** Leave the chart's crds/ out (they are applied first otherwise). */
  skipCRDs?: boolean;
  /** How long helm may take (default 60 s). */
  timeoutMs?: number;
  /** The helm binary (default: `helm` on PATH, then `FERRY_HELM`). */
  binary?: string;
}

/** One rendered document and the tree file it is reported in. */
export interface ChartDocument {
  file: string;
  document: ParsedDocument;
}

export interface RenderedChart {
  documents: ChartDocument[];
  problems: RenderProblem[];
  warnings: RenderProblem[];
}

export interface ChartRenderContext {
  options: HelmOptions;
  /** The release namespace, decided by the caller (helm's `--namespace`). */
  namespace: string;
  capabilities: Capabilities | undefined;
  limits: ParseLimits;
  cache: RenderCache | undefined;
}

/**
 * Renders the chart at `dir` of the tree with the real helm: the chart's files (and the
 * `file://` charts its missing dependencies point at) are copied into a scratch directory, never
 * touched where they are cached; dependencies vendored under `charts/` are used as they are, and
 * missing ones are fetched there with `helm dependency build`; then `helm template` renders with
 * the values in order and the cluster's capabilities. Hooks are mapped onto layers and test hooks
 * dropped. Any failure is thrown as one located
 * RenderError; nothing partial is returned.
 */
export async function renderChart(tree: SourceTree, dir: string, context: ChartRenderContext): Promise<RenderedChart> {
  const { options } = context;
  const { layout, problems } = await readChartLayout(tree, dir);
  if (!layout) throw new RenderError(problems);
  const binary = options.binary ?? (await locateHelm());
  if (!binary) {
    throw new RenderError([
      { code: 'RENDER_HELM_NOT_FOUND', file: layout.chartFile, line: 1, column: 1, message: `chart ${layout.name}: rendering a Helm chart needs the helm binary (v3 or v4), and there is no helm on PATH and FERRY_HELM names none` },
    ]);
  }
  const valuesFiles = await readValuesFiles(tree, options.valuesFiles ?? [], layout);
  const layers = options.values ?? [];
  const secrets = secretStringsOf(layers);
  const apiVersions = [...new Set([...(context.capabilities?.apiVersions ?? []), ...(await crdApiVersions(tree, layout))])].sort();
  const args = (root: string, valuesPaths: string[]) => [
    'template',
    options.releaseName ?? layout.name,
    join(root, 'tree', layout.dir),
    '--namespace',
    context.namespace,
    ...(context.capabilities?.kubeVersion ? ['--kube-version', context.capabilities.kubeVersion] : []),
    ...(apiVersions.length > 0 ? ['--api-versions', apiVersions.join(',')] : []),
    options.skipCRDs ? '--skip-crds' : '--include-crds',
    ...valuesPaths.flatMap((path) => ['--values', path]),
    ...(options.set ?? []).flatMap((value) => ['--set', value]),
  ];

  // The same files, values, capabilities and helm render the same output: an unchanged chart in a
  // new commit does not run helm again.
  const files: SourceFile[] = [];
  for (const path of new Set([...layout.files, ...valuesFiles])) files.push(await tree.readFile(path));
  const digest = buildDigest(binary, files, layers, args('', []));
  let output = context.cache?.build(digest);
  if (output === undefined) {
    output = await runTemplate(binary, files, layout, valuesFiles, layers, secrets, args, options.timeoutMs ?? 60_000);
    context.cache?.keepBuild(digest, output);
  }
  return readOutput(output, layout, context.limits);
}

/** Copies what the render reads into a private scratch directory, builds missing dependencies there, and runs `helm template`. */
async function runTemplate(
  binary: string,
  files: readonly SourceFile[],
  layout: ChartLayout,
  valuesFiles: readonly string[],
  layers: readonly HelmValues[],
  secrets: readonly string[],
  args: (root: string, valuesPaths: string[]) => string[],
  timeoutMs: number,
): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), 'ferry-helm-'));
  try {
    // Values from Secrets are written here: only this process may read them, and only while it renders.
    await chmod(scratch, 0o700);
    for (const file of files) {
      const target = join(scratch, 'tree', file.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.content);
    }
    const paths = new Map<string, string>([[`${join(scratch, 'tree')}/`, '']]);
    const valuesPaths = valuesFiles.map((path) => join(scratch, 'tree', path));
    await mkdir(join(scratch, 'values'));
    for (const [index, layer] of layers.entries()) {
      const path = join(scratch, 'values', `${index}.yaml`);
      await writeFile(path, typeof layer.content === 'string' ? layer.content : JSON.stringify(layer.content), { mode: 0o600 });
      valuesPaths.push(path);
      paths.set(path, layer.origin);
    }
    paths.set(scratch, '.');
    const home = join(scratch, 'home');
    const context = { chart: { name: layout.name, version: layout.version }, chartDir: layout.dir, chartFile: layout.chartFile, paths, secrets };
    if (layout.missing.length > 0) {
      const built = await runHelm(binary, ['dependency', 'build', join(scratch, 'tree', layout.dir)], { home, timeoutMs });
      if (built.code !== 0) {
        const problem = locateHelmError(built.timedOut ? `helm dependency build did not finish within ${timeoutMs / 1000}s` : built.stderr, context);
        const missing = layout.missing.map((dependency) => `${dependency.name}${dependency.version ? ` ${dependency.version}` : ''}${dependency.repository ? ` from ${dependency.repository}` : ''}`).join(', ');
        throw new RenderError([{ ...problem, code: 'RENDER_HELM_DEPENDENCY', file: layout.chartFile, line: 1, column: 1, message: `${problem.message} (fetching the dependencies not vendored under charts/: ${missing})` }]);
      }
    }
    const run = await runHelm(binary, args(scratch, valuesPaths), { home, timeoutMs });
    if (run.timedOut) throw new RenderError([{ code: 'RENDER_HELM_TIMEOUT', file: layout.chartFile, line: 1, column: 1, message: `chart ${layout.name}: helm template did not finish within ${timeoutMs / 1000}s` }]);
    if (run.code !== 0) throw new RenderError([locateHelmError(run.stderr, context)]);
    return run.stdout;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The documents helm printed, each located in its template (or crds/ file), with hooks mapped. */
function readOutput(output: string, layout: ChartLayout, limits: ParseLimits): RenderedChart {
  const rendered: RenderedChart = { documents: [], problems: [], warnings: [] };
  for (const section of splitTemplateOutput(output)) {
    const file = sourceInTree(section.source, layout.dir);
    const crds = isCrdsSource(section.source);
    // helm prints a crds/ file as it is, so its lines are the file's; a template's rendered lines are not the template's.
    const parsed = parseManifestFile(file, Buffer.from(section.text), { limits, yaml: '1.1' });
    rendered.problems.push(...parsed.problems.map((problem) => (crds ? problem : { ...problem, line: 1, column: 1, message: `${problem.message} (in the rendered output of ${section.source})` })));
    for (const parsedDocument of parsed.documents) {
      const document: ParsedDocument = crds ? parsedDocument : { ...parsedDocument, line: 1, column: 1, locate: () => undefined };
      const hook = helmHookOf(document.value);
      if (hook?.action === 'skip') {
        if (hook.reason === 'unsupported') {
          rendered.warnings.push({ code: 'RENDER_HELM_HOOK_SKIPPED', file, line: 1, column: 1, message: `${describe(document.value)}: helm.sh/hook ${hook.hooks.join(',')} has no moment in a sync (ferry never uninstalls or rolls back through Helm); not applied` });
        }
        continue;
      }
      // crds/ CRDs need no mark: ferry prunes a CRD only when it is annotated ferry.dev/prune: "true".
      if (hook) annotate(document.value, WAVE_ANNOTATION, hookWave(document.value, hook));
      rendered.documents.push({ file, document });
    }
  }
  rerunHooks(rendered.documents.map((item) => item.document.value));
  return rendered;
}

/**
 * before-hook-creation: a hook Job is deleted and created again for each release, so it runs
 * again. Its pod template carries a digest of the whole release and the Job `ferry.dev/force`:
 * any change of the release changes the template, which makes apply recreate the Job; an
 * unchanged release leaves it alone, as it leaves everything else.
 */
function rerunHooks(values: unknown[]): void {
  const release = createHash('sha256').update(canonicalJson(values)).digest('hex').slice(0, 16);
  for (const value of values) {
    const hook = helmHookOf(value);
    if (hook?.action !== 'run' || !hook.deletePolicies.includes('before-hook-creation')) continue;
    const spec = isJsonObject(value) && isJsonObject(value.spec) ? value.spec : undefined;
    if (!spec || !isJsonObject(spec.template)) continue;
    annotate(spec.template, HOOK_RUN_ANNOTATION, release);
    annotate(value, FORCE_ANNOTATION, 'true');
  }
}

/** The tree paths of the values files, each checked to exist; a missing one is a problem at the chart. */
async function readValuesFiles(tree: SourceTree, files: readonly string[], layout: ChartLayout): Promise<string[]> {
  const problems: RenderProblem[] = [];
  const paths: string[] = [];
  for (const [index, file] of files.entries()) {
    const path = file.replace(/^\.\//, '');
    if (path.startsWith('/') || path.split('/').includes('..')) {
      problems.push({ code: 'RENDER_HELM_VALUES', file: layout.chartFile, line: 1, column: 1, message: `valuesFiles[${index}] "${file}" must be a path inside the source` });
    } else if ((await tree.stat(path)) !== 'file') {
      problems.push({ code: 'RENDER_HELM_VALUES', file: path, line: 1, column: 1, message: `valuesFiles[${index}]: values file "${file}" does not exist in revision ${tree.revision}` });
    } else {
      paths.push(path);
    }
  }
  if (problems.length > 0) throw new RenderError(problems);
  return paths;
}

/**
 * The group versions of the CRDs in the chart's (and its vendored subcharts') crds/ directories:
 * `helm install` creates those before it renders the templates, so a template that asks
 * `.Capabilities.APIVersions.Has` about them sees them there, and does here too.
 */
async function crdApiVersions(tree: SourceTree, layout: ChartLayout): Promise<string[]> {
  const prefix = layout.dir === '' ? '' : `${layout.dir}/`;
  const versions: string[] = [];
  for (const file of layout.files) {
    if (!file.startsWith(prefix) || !/^(charts\/[^/]+\/)*crds\/[^/]+\.ya?ml$/.test(file.slice(prefix.length))) continue;
    for (const document of parseAllDocuments((await tree.readFile(file)).content.toString('utf8'))) {
      const value: unknown = 'errors' in document && document.errors.length === 0 ? document.toJS() : undefined;
      if (!isJsonObject(value) || value.kind !== 'CustomResourceDefinition' || !isJsonObject(value.spec)) continue;
      const { group, names, versions: served } = value.spec as { group?: unknown; names?: { kind?: unknown }; versions?: unknown };
      if (typeof group !== 'string' || !Array.isArray(served)) continue;
      for (const version of served) {
        if (!isJsonObject(version) || typeof version.name !== 'string') continue;
        versions.push(`${group}/${version.name}`);
        if (typeof names?.kind === 'string') versions.push(`${group}/${version.name}/${names.kind}`);
      }
    }
  }
  return versions;
}

/** A digest of everything one `helm template` run reads. */
function buildDigest(binary: string, files: readonly SourceFile[], layers: readonly HelmValues[], args: string[]): string {
  const hash = createHash('sha256').update('helm\0').update(binary).update('\0').update(JSON.stringify(args)).update('\0');
  for (const file of files) hash.update(file.path).update('\0').update(createHash('sha256').update(file.content).digest()).update('\0');
  for (const layer of layers) hash.update(typeof layer.content === 'string' ? layer.content : JSON.stringify(layer.content)).update('\0');
  return `sha256:${hash.digest('hex')}`;
}

function annotate(value: unknown, key: string, text: string): void {
  if (!isJsonObject(value)) return;
  const metadata = isJsonObject(value.metadata) ? value.metadata : (value.metadata = {});
  const annotations = isJsonObject(metadata.annotations) ? metadata.annotations : (metadata.annotations = {});
  annotations[key] = text;
}

function describe(value: unknown): string {
  const object = isJsonObject(value) ? value : {};
  const metadata = isJsonObject(object.metadata) ? object.metadata : {};
  return `${typeof object.kind === 'string' ? object.kind : 'object'} ${typeof metadata.name === 'string' ? metadata.name : ''}`.trim();
}
