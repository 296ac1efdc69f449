import { posix } from 'node:path';
import type { SourceTree } from '../source/types.js';
import type { RenderCache } from './cache.js';
import type { Capabilities } from './cluster-facts.js';
import { isChartDirectory, isChartFile } from './helm/chart.js';
import { renderChart, type HelmOptions } from './helm/template.js';
import { RenderError, type RenderProblem } from './errors.js';
import { collectKustomizeInputs, findKustomization, isKustomizationFile } from './kustomization.js';
import { buildDigest, runKustomize } from './kustomize.js';
import { originOf, type ResourceDocument } from './origin.js';
import { givingWay } from '../give-way.js';
import { parseManifestFile, type ParseLimits, type ParsedDocument } from './parse.js';

export type RenderType = 'auto' | 'plain' | 'kustomize' | 'helm';

/** One document to validate, and the repository file it is reported in. */
export interface SourceDocument {
  file: string;
  document: ParsedDocument;
}

export interface RenderInputs {
  renderer: 'plain' | 'kustomize' | 'helm';
  documents: SourceDocument[];
  problems: RenderProblem[];
  /** Worth telling the user, not worth failing for (a hook that has no moment in a sync). */
  warnings?: RenderProblem[];
}

export interface ReadOptions {
  type: RenderType;
  limits: ParseLimits;
  allowRemoteBases: boolean;
  kustomizeTimeoutMs: number;
  cache: RenderCache | undefined;
  /** For charts: the release, values and namespace, and what the cluster serves (asked only for a chart). */
  helm: { options: HelmOptions; namespace: string; capabilities: () => Promise<Capabilities | undefined> };
}

const MANIFEST = /\.(ya?ml|json)$/i;

/**
 * Reads what the sync path names, and only that: one file (as `kubectl apply -f FILE` does), the
 * manifests of a directory, what a kustomization reaches, built with kustomize, or a Helm chart
 * (a directory with a Chart.yaml, or the Chart.yaml itself), rendered with helm.
 */
export async function readRenderInputs(tree: SourceTree, path: string, options: ReadOptions): Promise<RenderInputs> {
  const kind = path === '' ? 'directory' : await tree.stat(path);
  if (kind === 'missing') {
    throw new RenderError([{ code: 'RENDER_PATH_NOT_FOUND', file: path, line: 1, column: 1, message: `path "${path}" does not exist in revision ${tree.revision} (or holds no files)` }]);
  }
  if (kind === 'file') {
    if (isChartFile(path) && (options.type === 'auto' || options.type === 'helm')) return readChart(tree, posix.dirname(path) === '.' ? '' : posix.dirname(path), options);
    if (options.type === 'helm') throw new RenderError([{ code: 'RENDER_HELM_CHART_INVALID', file: path, line: 1, column: 1, message: 'render type helm, but the path names a file, not a chart directory with a Chart.yaml' }]);
    if (isKustomizationFile(path) && options.type !== 'plain') return readKustomization(tree, posix.dirname(path) === '.' ? '' : posix.dirname(path), options);
    if (options.type === 'kustomize') throw noKustomization(path, 'render type kustomize, but the path names a file, not a directory with a kustomization.yaml');
    return readPlain(tree, [path], options);
  }
  // A chart first, as Argo CD decides: a Chart.yaml makes the directory a chart whatever else it holds.
  if (options.type === 'helm' || (options.type === 'auto' && (await isChartDirectory(tree, path)))) return readChart(tree, path, options);
  const kustomization = options.type === 'plain' ? undefined : await findKustomization(tree, path);
  if (kustomization) return readKustomization(tree, path, options);
  if (options.type === 'kustomize') throw noKustomization(path || '.', 'render type kustomize, but the path holds no kustomization.yaml');
  // Kustomization files configure kustomize; they are not objects to apply.
  const manifests = (await tree.listFiles(path)).filter((file) => MANIFEST.test(file) && !isKustomizationFile(file));
  return readPlain(tree, manifests.sort(), options);
}

async function readPlain(tree: SourceTree, paths: string[], options: ReadOptions): Promise<RenderInputs> {
  const inputs: RenderInputs = { renderer: 'plain', documents: [], problems: [] };
  const giveWay = givingWay();
  for (const path of paths) {
    // Files in memory answer at once: without a break, 2,000 of them would be one long turn.
    await giveWay();
    const file = await tree.readFile(path);
    const parsed = parseManifestFile(path, file.content, { limits: options.limits, ...(file.blobId ? { cacheKey: file.blobId } : {}) });
    inputs.problems.push(...parsed.problems);
    for (const document of parsed.documents) inputs.documents.push({ file: path, document });
  }
  return inputs;
}

async function readKustomization(tree: SourceTree, dir: string, options: ReadOptions): Promise<RenderInputs> {
  const build = await collectKustomizeInputs(tree, dir, { allowRemoteBases: options.allowRemoteBases });
  if (!build) throw noKustomization(dir || '.', 'no kustomization.yaml');
  if (build.problems.length > 0) throw new RenderError(build.problems);
  const digest = await buildDigest(build.files, dir);
  let output = options.cache?.build(digest);
  if (output === undefined) {
    const run = await runKustomize(build.files, dir, build.root, options.kustomizeTimeoutMs);
    if (run.problem) throw new RenderError([run.problem]);
    output = run.output ?? '';
    options.cache?.keepBuild(digest, output);
  }
  // kustomize writes YAML 1.2 (go-yaml v3): `on` and `0755` in its output are what they say.
  const built = parseManifestFile(build.root, Buffer.from(output), { limits: options.limits, yaml: '1.2' });
  const byPath = new Map(build.files.map((file) => [file.path, file]));
  const resources: ResourceDocument[] = build.resources.flatMap((path) => {
    const file = byPath.get(path);
    if (!file) return [];
    return parseManifestFile(path, file.content, { limits: options.limits, ...(file.blobId ? { cacheKey: file.blobId } : {}) }).documents.map((document) => ({ file: path, document }));
  });
  const documents = built.documents.map((document): SourceDocument => {
    const origin = originOf(document.value, resources, build.generators, build.root);
    return {
      file: origin.file,
      document: {
        value: document.value,
        line: origin.position.line,
        column: origin.position.column,
        yaml: document.yaml,
        // Fields are found where the object was written; how a scalar reads is what kustomize wrote.
        locate: (at) => origin.document?.locate(at),
        isPlainScalar: (at) => document.isPlainScalar(at),
      },
    };
  });
  return { renderer: 'kustomize', documents, problems: built.problems };
}

async function readChart(tree: SourceTree, dir: string, options: ReadOptions): Promise<RenderInputs> {
  const chart = await renderChart(tree, dir, {
    options: options.helm.options,
    namespace: options.helm.namespace,
    capabilities: await options.helm.capabilities(),
    limits: options.limits,
    cache: options.cache,
  });
  return { renderer: 'helm', documents: chart.documents, problems: chart.problems, warnings: chart.warnings };
}

function noKustomization(file: string, message: string): RenderError {
  return new RenderError([{ code: 'RENDER_NO_KUSTOMIZATION', file, line: 1, column: 1, message }]);
}
