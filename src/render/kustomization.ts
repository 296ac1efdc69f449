import { posix } from 'node:path';
import { isJsonObject } from '../objects.js';
import type { SourceFile, SourceTree } from '../source/types.js';
import type { RenderProblem } from './errors.js';
import type { FieldPath } from './field-path.js';
import { parseManifestFile, type ParsedDocument } from './parse.js';

/** The names kustomize looks for in a directory, in its order. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** A configMapGenerator or secretGenerator entry: where generated objects come from. */
export interface GeneratorOrigin {
  file: string;
  kind: 'ConfigMap' | 'Secret';
  name: string;
  path: FieldPath;
  document: ParsedDocument;
}

/** Everything one kustomize build reads, found by following the kustomization from its directory. */
export interface KustomizeInputs {
  /** The kustomization file of the build's directory. */
  root: string;
  /** Every file kustomize reads, by repository path, in the order first reached. */
  files: SourceFile[];
  /** The manifest files named as resources (in the order kustomize accumulates them). */
  resources: string[];
  /** The generators of every kustomization reached. */
  generators: GeneratorOrigin[];
  /** Remote bases (unless allowed) and paths that leave the repository, located at their entry. */
  problems: RenderProblem[];
}

/** The kustomization file directly in `dir`, if any. */
export async function findKustomization(tree: SourceTree, dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILES) {
    const path = dir ? `${dir}/${name}` : name;
    if ((await tree.stat(path)) === 'file') return path;
  }
  return undefined;
}

/** True for a kustomization file name (they configure kustomize; they are not objects). */
export function isKustomizationFile(path: string): boolean {
  return KUSTOMIZATION_FILES.includes(posix.basename(path));
}

// Remote targets: URLs, `github.com/…` shorthands, `?ref=` and `.git` paths, as kustomize accepts them.
const REMOTE = /^(https?:\/\/|git@|ssh:\/\/|git::|github\.com\/|gitlab\.com\/|bitbucket\.org\/)|\?ref=|\.git(\/|$)/;

/**
 * Follows a kustomization from `dir` the way kustomize will: `resources`, `bases` and
 * `components` (directories are kustomizations of their own), patches, generators' files and
 * env files, CRDs, replacements, OpenAPI schemas, configurations, and generator / transformer /
 * validator configs. Only these files are read and copied for kustomize, so a large repository,
 * or a remote base in a directory the build never reaches, costs and breaks nothing.
 */
export async function collectKustomizeInputs(tree: SourceTree, dir: string, options: { allowRemoteBases?: boolean } = {}): Promise<KustomizeInputs | undefined> {
  const root = await findKustomization(tree, dir);
  if (!root) return undefined;
  const inputs: KustomizeInputs = { root, files: [], resources: [], generators: [], problems: [] };
  const read = new Map<string, SourceFile>();
  const visited = new Set<string>();

  const readOnce = async (path: string): Promise<SourceFile> => {
    let file = read.get(path);
    if (!file) {
      file = await tree.readFile(path);
      read.set(path, file);
      inputs.files.push(file);
    }
    return file;
  };

  const visit = async (kustomizationDir: string): Promise<void> => {
    if (visited.has(kustomizationDir)) return;
    visited.add(kustomizationDir);
    const path = await findKustomization(tree, kustomizationDir);
    // A directory without one: kustomize says so itself, naming the directory.
    if (!path) return;
    const file = await readOnce(path);
    const document = parseManifestFile(path, file.content, { yaml: '1.2', ...(file.blobId ? { cacheKey: file.blobId } : {}) }).documents[0];
    // Broken YAML: kustomize reports the syntax error itself, with its own position.
    if (!document || !isJsonObject(document.value)) return;
    const kustomization = document.value;

    const at = (field: FieldPath) => document.locate(field) ?? { line: document.line, column: document.column };
    /** The repository path an entry names, or undefined (and a problem) when it leaves the repository. */
    const resolve = (entry: string, field: FieldPath): string | undefined => {
      const joined = posix.normalize(posix.join(kustomizationDir || '.', entry));
      if (entry.startsWith('/') || joined === '..' || joined.startsWith('../')) {
        const { line, column } = at(field);
        inputs.problems.push({ code: 'RENDER_PATH_OUTSIDE_SOURCE', file: path, line, column, message: `"${entry}" points outside the repository` });
        return undefined;
      }
      return joined === '.' ? '' : joined;
    };
    /** A file kustomize will read, if it is there (a missing one is kustomize's error to report). */
    const includeFile = async (entry: unknown, field: FieldPath): Promise<void> => {
      if (typeof entry !== 'string' || entry === '') return;
      const target = resolve(entry, field);
      if (target === undefined) return;
      const kind = await tree.stat(target);
      if (kind === 'file') await readOnce(target);
      else if (kind === 'directory') await visit(target);
    };
    /** A resource, base or component: a manifest file, a kustomization directory, or a remote target. */
    const includeResource = async (entry: unknown, field: FieldPath): Promise<void> => {
      if (typeof entry !== 'string' || entry === '') return;
      if (REMOTE.test(entry)) {
        if (!options.allowRemoteBases) {
          const { line, column } = at(field);
          const what = field[0] === 'resources' ? 'resource' : field[0] === 'bases' ? 'base' : 'component';
          inputs.problems.push({ code: 'RENDER_REMOTE_BASE', file: path, line, column, message: `remote ${what} "${entry}" refused: vendor it into the repository (remote bases are disabled by default)` });
        }
        return;
      }
      const target = resolve(entry, field);
      if (target === undefined) return;
      const kind = await tree.stat(target);
      if (kind === 'directory') {
        await visit(target);
      } else if (kind === 'file') {
        await readOnce(target);
        if (field[0] !== 'components' && !inputs.resources.includes(target)) inputs.resources.push(target);
      }
    };
    /** An entry that is either a path or inline YAML (a patch, a transformer config). */
    const includePathOrInline = async (entry: unknown, field: FieldPath): Promise<void> => {
      if (typeof entry === 'string' && !entry.includes('\n')) await includeFile(entry, field);
    };
    const list = (name: string): unknown[] => (Array.isArray(kustomization[name]) ? (kustomization[name] as unknown[]) : []);

    for (const field of ['resources', 'bases', 'components']) {
      for (const [index, entry] of list(field).entries()) await includeResource(entry, [field, index]);
    }
    for (const field of ['crds', 'configurations']) {
      for (const [index, entry] of list(field).entries()) await includeFile(entry, [field, index]);
    }
    for (const field of ['patchesStrategicMerge', 'generators', 'transformers', 'validators']) {
      for (const [index, entry] of list(field).entries()) await includePathOrInline(entry, [field, index]);
    }
    for (const field of ['patches', 'patchesJson6902', 'replacements']) {
      for (const [index, entry] of list(field).entries()) {
        if (isJsonObject(entry)) await includeFile(entry.path, [field, index, 'path']);
      }
    }
    // kustomize inflates Helm charts only with --enable-helm, which runs helm with whatever the
    // chart entry asks (any repository, any version). ferry renders charts itself instead, as
    // Flux's kustomize-controller refuses them too: refused at the entry, not at line 1.
    for (const field of ['helmCharts', 'helmChartInflationGenerator']) {
      for (const [index, entry] of list(field).entries()) {
        const { line, column } = at([field, index]);
        const name = isJsonObject(entry) && typeof entry.name === 'string' ? ` "${entry.name}"` : '';
        inputs.problems.push({
          code: 'RENDER_KUSTOMIZE_HELM_CHARTS',
          file: path,
          line,
          column,
          message: `${field} entry${name} refused: ferry does not inflate Helm charts inside a kustomization (kustomize --enable-helm); sync the chart itself — a path holding its Chart.yaml, or spec.source.helm (--helm-repo/--chart) — with a sync of its own`,
        });
      }
    }
    if (isJsonObject(kustomization.openapi)) await includeFile(kustomization.openapi.path, ['openapi', 'path']);
    for (const [field, kind] of [['configMapGenerator', 'ConfigMap'], ['secretGenerator', 'Secret']] as const) {
      for (const [index, generator] of list(field).entries()) {
        if (!isJsonObject(generator)) continue;
        if (typeof generator.name === 'string') inputs.generators.push({ file: path, kind, name: generator.name, path: [field, index, 'name'], document });
        // `files` entries are `[key=]path`.
        const files = Array.isArray(generator.files) ? generator.files : [];
        for (const [i, entry] of files.entries()) await includeFile(typeof entry === 'string' ? entry.slice(entry.indexOf('=') + 1) : entry, [field, index, 'files', i]);
        const envs = Array.isArray(generator.envs) ? generator.envs : [];
        for (const [i, entry] of envs.entries()) await includeFile(entry, [field, index, 'envs', i]);
        await includeFile(generator.env, [field, index, 'env']);
      }
    }
  };

  await visit(dir);
  return inputs;
}
