import { posix } from 'node:path';
import { parse } from 'yaml';
import { isJsonObject } from '../../objects.js';
import type { SourceTree } from '../../source/types.js';
import type { RenderProblem } from '../errors.js';
import { filesHelmLoads, HELMIGNORE_FILE } from './helmignore.js';

/** The file that makes a directory a Helm chart. */
export const CHART_FILE = 'Chart.yaml';

/** One entry of a chart's `dependencies` (Chart.yaml, API version v2). */
export interface ChartDependency {
  name: string;
  version?: string;
  repository?: string;
  alias?: string;
}

/** A chart directory of a revision, and what rendering it needs from the revision. */
export interface ChartLayout {
  /** The chart directory in the tree (`''`: the tree is the chart). */
  dir: string;
  /** `Chart.yaml` of the chart, as the tree names it. */
  chartFile: string;
  /** The chart's name (what `helm template` prefixes every `# Source:` with). */
  name: string;
  version: string;
  dependencies: ChartDependency[];
  /** Dependencies neither vendored under `charts/` as a directory nor as a `.tgz`. */
  missing: ChartDependency[];
  /**
   * Every file to copy for helm: the chart's own, and for missing `file://` dependencies the
   * charts they point at (which may lie beside the chart, e.g. `file://../common`).
   */
  files: string[];
}

/** True when `dir` of the tree holds a Chart.yaml. */
export async function isChartDirectory(tree: SourceTree, dir: string): Promise<boolean> {
  return (await tree.stat(posix.join(dir || '.', CHART_FILE).replace(/^\.\//, ''))) === 'file';
}

/** True for a path that names a chart's Chart.yaml: its directory renders as the chart. */
export function isChartFile(path: string): boolean {
  return posix.basename(path) === CHART_FILE;
}

/**
 * Reads a chart directory's Chart.yaml and works out what a render needs: which dependencies are
 * vendored (used as they are) and which must be fetched, and every file to hand to helm. Problems
 * (no Chart.yaml, a file:// dependency outside the repository) are located at Chart.yaml.
 */
export async function readChartLayout(tree: SourceTree, dir: string): Promise<{ layout?: ChartLayout; problems: RenderProblem[] }> {
  const chartFile = join(dir, CHART_FILE);
  const problem = (message: string, line = 1): RenderProblem => ({ code: 'RENDER_HELM_CHART_INVALID', file: chartFile, line, column: 1, message });
  if ((await tree.stat(chartFile)) !== 'file') return { problems: [problem(`no ${CHART_FILE}: ${dir || '.'} is not a Helm chart`)] };
  let metadata: unknown;
  try {
    metadata = parse((await tree.readFile(chartFile)).content.toString('utf8'));
  } catch (error) {
    const line = (error as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line ?? 1;
    return { problems: [problem(`${CHART_FILE} does not parse: ${(error as Error).message.split('\n')[0]}`, line)] };
  }
  if (!isJsonObject(metadata) || typeof metadata.name !== 'string' || metadata.name === '') return { problems: [problem(`${CHART_FILE} has no name`)] };
  const dependencies = (Array.isArray(metadata.dependencies) ? metadata.dependencies : []).filter(isJsonObject).flatMap((entry): ChartDependency[] =>
    typeof entry.name === 'string'
      ? [{ name: entry.name, ...optionalString('version', entry.version), ...optionalString('repository', entry.repository), ...optionalString('alias', entry.alias) }]
      : [],
  );
  const files = await chartFiles(tree, dir);
  const vendored = await vendoredCharts(tree, dir, files);
  const missing = dependencies.filter((dependency) => !vendored.has(dependency.name));
  const problems: RenderProblem[] = [];
  const wanted = new Set(files);
  // file:// dependencies that must be built: their charts (and theirs in turn) are copied too.
  const queue = missing.map((dependency) => ({ from: dir, dependency }));
  const visited = new Set<string>([dir]);
  while (queue.length > 0) {
    const { from, dependency } = queue.shift() as { from: string; dependency: ChartDependency };
    if (!dependency.repository?.startsWith('file://')) continue;
    const target = posix.normalize(posix.join(from || '.', dependency.repository.slice('file://'.length)));
    if (target.startsWith('/') || target === '..' || target.startsWith('../')) {
      problems.push(problem(`dependency ${dependency.name}: ${dependency.repository} points outside the repository`));
      continue;
    }
    const targetDir = target === '.' ? '' : target;
    if (visited.has(targetDir)) continue;
    visited.add(targetDir);
    if (!(await isChartDirectory(tree, targetDir))) {
      problems.push(problem(`dependency ${dependency.name}: ${dependency.repository} is not a chart directory in this revision`));
      continue;
    }
    for (const file of await chartFiles(tree, targetDir)) wanted.add(file);
    const nested = await readChartLayout(tree, targetDir);
    for (const inner of nested.layout?.missing ?? []) queue.push({ from: targetDir, dependency: inner });
  }
  if (problems.length > 0) return { problems };
  return {
    layout: { dir, chartFile, name: metadata.name, version: typeof metadata.version === 'string' ? metadata.version : String(metadata.version ?? ''), dependencies, missing, files: [...wanted].sort() },
    problems,
  };
}

/**
 * The files of a chart directory that helm loads: what its `.helmignore` leaves out (docs,
 * screenshots, CI values, often LFS-tracked or large) is neither read nor copied, so it can
 * neither fail the render nor make a new commit look like a new chart.
 */
async function chartFiles(tree: SourceTree, dir: string): Promise<string[]> {
  const files = await tree.listFiles(dir);
  const ignoreFile = join(dir, HELMIGNORE_FILE);
  if (!files.includes(ignoreFile)) return files;
  const rules = (await tree.readFile(ignoreFile)).content.toString('utf8');
  const prefix = dir === '' ? '' : `${dir}/`;
  const loaded = new Set(filesHelmLoads(files.map((file) => file.slice(prefix.length)), rules).map((file) => `${prefix}${file}`));
  // The rules themselves go along: helm reads them again in the scratch copy.
  return files.filter((file) => loaded.has(file) || file === ignoreFile);
}

/** Names of the charts vendored under `charts/`: unpacked directories (by their Chart.yaml) and packed `.tgz` files. */
async function vendoredCharts(tree: SourceTree, dir: string, files: readonly string[]): Promise<Set<string>> {
  const prefix = dir === '' ? 'charts/' : `${dir}/charts/`;
  const names = new Set<string>();
  for (const file of files) {
    if (!file.startsWith(prefix)) continue;
    const rest = file.slice(prefix.length);
    const packed = /^([^/]+?)-v?\d[^/]*\.tgz$/.exec(rest);
    if (packed?.[1]) names.add(packed[1]);
    if (/^[^/]+\/Chart\.yaml$/.test(rest)) {
      try {
        const chart: unknown = parse((await tree.readFile(file)).content.toString('utf8'));
        if (isJsonObject(chart) && typeof chart.name === 'string') names.add(chart.name);
      } catch {
        // A vendored chart that does not parse: helm says so when it loads it.
      }
    }
  }
  return names;
}

function join(dir: string, file: string): string {
  return dir === '' ? file : `${dir}/${file}`;
}

function optionalString<K extends string>(key: K, value: unknown): Partial<Record<K, string>> {
  return typeof value === 'string' && value !== '' ? ({ [key]: value } as Record<K, string>) : {};
}
