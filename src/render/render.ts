import { posix } from 'node:path';
import { hashObject, type KubeObject } from '../objects.js';
import type { SourceFile } from '../source/types.js';
import { RenderError, type RenderProblem } from './errors.js';
import { DEFAULT_PARSE_LIMITS, parseManifestFile, type ParseLimits, type ParsedDocument } from './parse.js';
import { substituteVariables } from './substitute.js';
import { resolveNamespaces, validateDocument, type Located } from './validate.js';
import { KUSTOMIZATION_FILES, findKustomization, findRemoteBases, runKustomize } from './kustomize.js';

export type RenderType = 'auto' | 'plain' | 'kustomize';

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface RenderedObject {
  object: KubeObject;
  source: SourceLocation;
  /** sha256 of the object's canonical JSON (sorted keys). */
  hash: string;
}

export interface RenderOptions {
  files: SourceFile[];
  /** Directory within the files that holds the manifests (default: the root). */
  path?: string;
  type?: RenderType;
  substitute?: Record<string, string>;
  /** An unset `${VAR}` without default is an error (default true). */
  strictSubstitution?: boolean;
  /** Namespace for namespaced objects that name none. */
  targetNamespace?: string;
  /** Used when neither the object nor targetNamespace names one (default `default`, like kubectl). */
  defaultNamespace?: string;
  allowRemoteBases?: boolean;
  kustomizeTimeoutMs?: number;
  limits?: Partial<ParseLimits> & { maxObjects?: number };
}

export interface RenderResult {
  renderer: 'plain' | 'kustomize';
  objects: RenderedObject[];
  warnings: RenderProblem[];
}

const MANIFEST = /\.(ya?ml|json)$/i;

/**
 * Files of one revision → validated objects, each located in its source file. Plain
 * directories are read recursively in path order; a kustomization is built with kustomize.
 * Every problem is collected and thrown together as one RenderError; nothing partial is returned.
 */
export async function renderManifests(options: RenderOptions): Promise<RenderResult> {
  const dir = normalizeDir(options.path);
  const limits: ParseLimits = { ...DEFAULT_PARSE_LIMITS, ...options.limits };
  const maxObjects = options.limits?.maxObjects ?? 50_000;
  const inDir = options.files.filter((file) => dir === '' || file.path.startsWith(`${dir}/`));
  if (dir !== '' && inDir.length === 0 && !options.files.some((file) => file.path === dir)) {
    throw new RenderError([{ code: 'RENDER_PATH_NOT_FOUND', file: dir, line: 1, column: 1, message: `path "${dir}" does not exist in the source (or holds no files)` }]);
  }
  const kustomization = findKustomization(options.files, dir);
  const renderer = options.type === 'kustomize' || (options.type !== 'plain' && kustomization) ? 'kustomize' : 'plain';
  const problems: RenderProblem[] = [];
  const located: Located[] = [];
  const variables = options.substitute ?? {};
  const collect = (file: string, documents: ParsedDocument[]) => {
    for (const document of documents) {
      // Substitution comes first (a name may be `app-${ENV}`), on values only.
      const { value, missing } = substituteVariables(document.value, variables);
      document.value = value;
      if (options.strictSubstitution !== false) {
        for (const { variable, path } of missing) {
          problems.push({ code: 'RENDER_UNSET_VARIABLE', file, line: document.line, column: document.column, message: `\${${variable}} at ${path} is not set and has no default (use \${${variable}:=value} for a default)` });
        }
      }
      const { object, problems: found } = validateDocument(file, document);
      problems.push(...found);
      if (object) located.push({ object, file, document });
    }
  };

  if (renderer === 'kustomize') {
    if (!kustomization) throw new RenderError([{ code: 'RENDER_NO_KUSTOMIZATION', file: dir || '.', line: 1, column: 1, message: 'render type kustomize, but the path holds no kustomization.yaml' }]);
    const remote = options.allowRemoteBases ? [] : findRemoteBases(options.files);
    if (remote.length > 0) throw new RenderError(remote);
    const { output, problem } = await runKustomize(options.files, dir, options.kustomizeTimeoutMs ?? 60_000);
    if (problem) throw new RenderError([problem]);
    const parsed = parseManifestFile(kustomization.path, Buffer.from(output ?? ''), limits);
    problems.push(...parsed.problems);
    for (const document of parsed.documents) collect(locateInSources(document, options.files, kustomization.path), [document]);
  } else {
    // Kustomization files configure kustomize; they are not objects to apply.
    const manifests = inDir.filter((f) => MANIFEST.test(f.path) && !KUSTOMIZATION_FILES.includes(posix.basename(f.path)));
    for (const file of manifests.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      const parsed = parseManifestFile(file.path, file.content, limits, file.blobId);
      problems.push(...parsed.problems);
      collect(file.path, parsed.documents);
    }
  }

  const { problems: namespaceProblems, warnings } = resolveNamespaces(located, {
    ...(options.targetNamespace ? { targetNamespace: options.targetNamespace } : {}),
    defaultNamespace: options.defaultNamespace ?? 'default',
  });
  problems.push(...namespaceProblems);
  if (located.length > maxObjects) problems.push({ code: 'RENDER_TOO_MANY_OBJECTS', file: dir || '.', line: 1, column: 1, message: `${located.length} objects; the limit is ${maxObjects}` });
  if (problems.length > 0) throw new RenderError(sortProblems(problems));
  return {
    renderer,
    objects: located.map((item) => ({
      object: item.object,
      source: { file: item.file, line: item.document.line, column: item.document.column },
      hash: hashObject(item.object),
    })),
    warnings,
  };
}

/**
 * kustomize output has no positions of its own: point each object at the input file and line
 * that defines it (same kind, a name contained in the output name), else at the kustomization.
 */
function locateInSources(document: ParsedDocument, files: SourceFile[], fallback: string): string {
  const value = document.value as { kind?: unknown; metadata?: { name?: unknown } } | null;
  const kind = typeof value?.kind === 'string' ? value.kind : undefined;
  const name = typeof value?.metadata?.name === 'string' ? value.metadata.name : undefined;
  document.line = 1;
  document.column = 1;
  document.fields = {};
  if (!kind || !name) return fallback;
  for (const file of files) {
    if (!MANIFEST.test(file.path)) continue;
    const text = file.content.toString('utf8');
    if (!new RegExp(`^kind:\\s*${kind}\\s*$`, 'm').test(text)) continue;
    const lines = text.split('\n');
    // The name may carry a kustomize prefix or suffix: match the line whose value is contained in it.
    const index = lines.findIndex((line) => {
      const match = /^\s*name:\s*["']?([^"'\s#]+)/.exec(line);
      return match !== null && name.includes(match[1] as string);
    });
    if (index >= 0) {
      document.line = index + 1;
      return file.path;
    }
  }
  return fallback;
}

function sortProblems(problems: RenderProblem[]): RenderProblem[] {
  return [...problems].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
}

function normalizeDir(path: string | undefined): string {
  const normalized = posix.normalize(path ?? '.').replace(/^\.\/?/, '').replace(/\/$/, '');
  return normalized === '.' ? '' : normalized;
}
