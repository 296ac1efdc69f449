import { posix } from 'node:path';
import { createHash } from 'node:crypto';
import { canonicalJson, formatRef, hashObject, isJsonObject, type KubeObject } from '../objects.js';
import type { SourceTree } from '../source/types.js';
import { SUBSTITUTE_ANNOTATION } from '../well-known.js';
import { renderKey, type RenderCache } from './cache.js';
import { answersHold, resolveScopes, type Capabilities, type ClusterFacts } from './cluster-facts.js';
import { RenderError, type RenderProblem } from './errors.js';
import { formatFieldPath } from './field-path.js';
import { DEFAULT_PARSE_LIMITS, resolvePlainScalar, type ParseLimits, type ParsedDocument } from './parse.js';
import { readRenderInputs, type RenderType } from './read-inputs.js';
import type { HelmOptions } from './helm/template.js';
import { substituteVariables } from './substitute.js';
import { givingWay } from '../give-way.js';
import { resolveNamespaces, validateDocument, type Located } from './validate.js';

export type { RenderType } from './read-inputs.js';

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
  /** The revision's files, read on demand: only what the path reaches is read. */
  tree: SourceTree;
  /** A directory or one file within the tree (default: the root). */
  path?: string;
  type?: RenderType;
  /**
   * Variables for `${VAR}` substitution. Substitution runs only when this is set (a GitSync's
   * `spec.render.substitute` / `substituteFrom`, the CLI's `--substitute`), as Flux's postBuild.
   */
  substitute?: Readonly<Record<string, string>>;
  /** An unset `${VAR}` without default is an error (default true). */
  strictSubstitution?: boolean;
  /** Namespace for namespaced objects that name none. */
  targetNamespace?: string;
  /** Used when neither the object nor targetNamespace names one (default `default`, like kubectl). */
  defaultNamespace?: string;
  allowRemoteBases?: boolean;
  kustomizeTimeoutMs?: number;
  limits?: Partial<ParseLimits> & { maxObjects?: number };
  /** What the cluster serves (scopes of kinds …); without it the built-in table decides. */
  cluster?: ClusterFacts;
  /** Keeps renders and builds between calls; only for trees whose revision names their content. */
  cache?: RenderCache;
  /**
   * For a Helm chart: release name and namespace, values, `--set`, skipCRDs. Its namespace is
   * also where the chart's objects that name none go (default: targetNamespace).
   */
  helm?: HelmOptions;
}

export interface RenderResult {
  renderer: 'plain' | 'kustomize' | 'helm';
  objects: RenderedObject[];
  warnings: RenderProblem[];
  /** True when nothing was read, built or parsed: the same inputs were rendered before. */
  cached: boolean;
}

/**
 * The files of one revision → validated objects, each located in its source file. Every problem
 * is collected and thrown together as one RenderError; nothing partial is returned.
 */
export async function renderManifests(options: RenderOptions): Promise<RenderResult> {
  const path = normalizePath(options.path);
  const limits: ParseLimits = { ...DEFAULT_PARSE_LIMITS, ...options.limits };
  const maxObjects = options.limits?.maxObjects ?? 50_000;

  // 1. The same revision, path and settings, on a cluster that still serves the same kinds the
  //    same way, render the same objects: an unchanged poll renders nothing.
  const key = options.cache ? renderKey(options.tree.revision, path, cacheInputs(options, limits)) : undefined;
  const kept = key ? options.cache?.render(key) : undefined;
  if (kept && (await answersHold(kept.answers, options.cluster)) && (await capabilitiesHold(kept.capabilities, options.cluster))) return { ...structuredClone(kept.result), cached: true };

  // 2. Read what the path reaches (one file, a directory, a kustomize build, a chart).
  let capabilities: Capabilities | undefined;
  const inputs = await readRenderInputs(options.tree, path, {
    type: options.type ?? 'auto',
    limits,
    allowRemoteBases: options.allowRemoteBases ?? false,
    kustomizeTimeoutMs: options.kustomizeTimeoutMs ?? 60_000,
    cache: options.cache,
    helm: {
      options: options.helm ?? {},
      namespace: releaseNamespace(options),
      capabilities: async () => (capabilities = await capabilitiesOf(options.cluster)),
    },
  });
  const problems = [...inputs.problems];

  // 3. Substitute (when asked to) before validating: a name may be `app-${ENV}`.
  const located: Located[] = [];
  const giveWay = givingWay();
  for (const { file, document } of inputs.documents) {
    await giveWay();
    if (options.substitute && !substitutionDisabled(document.value)) problems.push(...substitute(file, document, options.substitute, options.strictSubstitution !== false));
    const { object, problems: found } = validateDocument(file, document);
    problems.push(...found);
    if (object) located.push({ object, file, document });
  }

  // 4. Every kind's scope (from the render's CRDs, the cluster, the table) before any object key.
  const { scopes, answers } = await resolveScopes(located.map((item) => item.object), options.cluster);
  // A chart's objects that name no namespace go to the release namespace, as `helm install -n` puts them.
  const targetNamespace = inputs.renderer === 'helm' ? releaseNamespace(options) : options.targetNamespace;
  const { problems: namespaceProblems, warnings: namespaceWarnings } = resolveNamespaces(located, scopes, {
    ...(targetNamespace ? { targetNamespace } : {}),
    defaultNamespace: options.defaultNamespace ?? 'default',
  });
  const warnings = [...(inputs.warnings ?? []), ...namespaceWarnings];
  problems.push(...namespaceProblems);
  if (located.length > maxObjects) problems.push({ code: 'RENDER_TOO_MANY_OBJECTS', file: path || '.', line: 1, column: 1, message: `${located.length} objects; the limit is ${maxObjects}` });
  if (problems.length > 0) throw new RenderError(sortProblems(problems));

  const objects: RenderedObject[] = [];
  for (const item of located) {
    await giveWay();
    objects.push({ object: item.object, source: { file: item.file, line: item.document.line, column: item.document.column }, hash: hashObject(item.object) });
  }
  const result = { renderer: inputs.renderer, objects, warnings };
  if (key) options.cache?.keepRender(key, { result: structuredClone(result), answers, ...(capabilities ? { capabilities } : {}) });
  return { ...result, cached: false };
}

/** `.Release.Namespace` of a chart: the helm namespace, else targetNamespace, else the default namespace. */
function releaseNamespace(options: RenderOptions): string {
  return options.helm?.namespace ?? options.targetNamespace ?? options.defaultNamespace ?? 'default';
}

/** What a chart's `.Capabilities` say: the cluster's own facts when given, else asked of it, else helm's defaults. */
async function capabilitiesOf(cluster: ClusterFacts | undefined): Promise<Capabilities | undefined> {
  if (!cluster) return undefined;
  if (cluster.kubeVersion !== undefined || cluster.apiVersions !== undefined) {
    return { ...(cluster.kubeVersion ? { kubeVersion: cluster.kubeVersion } : {}), apiVersions: cluster.apiVersions ?? [] };
  }
  return cluster.capabilities?.();
}

/** True unless a chart was rendered for capabilities the cluster no longer has (a new CRD, an upgrade). */
async function capabilitiesHold(kept: Capabilities | undefined, cluster: ClusterFacts | undefined): Promise<boolean> {
  return kept === undefined || canonicalJson(kept) === canonicalJson((await capabilitiesOf(cluster)) ?? null);
}

/** Substitutes one document in place; unset variables are problems located at their field. */
function substitute(file: string, document: ParsedDocument, variables: Readonly<Record<string, string>>, strict: boolean): RenderProblem[] {
  const { value, unset } = substituteVariables(document.value, variables, {
    retype: (at, text) => (document.isPlainScalar(at) ? resolvePlainScalar(text, document.yaml) : text),
  });
  const subject = describe(document.value);
  document.value = value;
  if (!strict) return [];
  return unset.map(({ variable, path }) => {
    const position = document.locate(path) ?? document;
    return {
      code: 'RENDER_UNSET_VARIABLE',
      file,
      line: position.line,
      column: position.column,
      message: `${subject}: \${${variable}} at ${formatFieldPath(path)} is not set and has no default (give one as \${${variable}:-value}, write $\${${variable}} for the literal text, or annotate the object ${SUBSTITUTE_ANNOTATION}: disabled)`,
    };
  });
}

function substitutionDisabled(value: unknown): boolean {
  const metadata = isJsonObject(value) && isJsonObject(value.metadata) ? value.metadata : undefined;
  const annotations = metadata && isJsonObject(metadata.annotations) ? metadata.annotations : undefined;
  const setting = annotations?.[SUBSTITUTE_ANNOTATION];
  return typeof setting === 'string' && setting.toLowerCase() === 'disabled';
}

/** `Kind/namespace/name` of a document not validated yet, as far as it says. */
function describe(value: unknown): string {
  const object = isJsonObject(value) ? value : {};
  const metadata = isJsonObject(object.metadata) ? object.metadata : {};
  const kind = typeof object.kind === 'string' ? object.kind : 'object';
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : undefined;
  return name ? formatRef({ kind, name, namespace }) : kind;
}

/** Every input besides revision and path that changes what a render gives (variables as a hash). */
function cacheInputs(options: RenderOptions, limits: ParseLimits): Record<string, unknown> {
  return {
    type: options.type ?? 'auto',
    substitute: options.substitute ? createHash('sha256').update(JSON.stringify(Object.entries(options.substitute).sort())).digest('hex') : null,
    strict: options.strictSubstitution !== false,
    targetNamespace: options.targetNamespace ?? null,
    defaultNamespace: options.defaultNamespace ?? 'default',
    allowRemoteBases: options.allowRemoteBases ?? false,
    limits: { ...limits, maxObjects: options.limits?.maxObjects ?? null },
    cluster: options.cluster ? 'discovery' : 'table',
    // Values may come from Secrets: only their digest is kept.
    helm: options.helm ? createHash('sha256').update(canonicalJson({ ...options.helm, binary: options.helm.binary ?? null })).digest('hex') : null,
  };
}

function sortProblems(problems: RenderProblem[]): RenderProblem[] {
  return [...problems].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column));
}

/** `./apps/web/` → `apps/web`; the root is `''`. A path that leaves the tree is refused. */
function normalizePath(path: string | undefined): string {
  const raw = (path ?? '.').replace(/\\/g, '/');
  const normalized = posix.normalize(raw).replace(/\/+$/, '');
  if (raw.startsWith('/') || normalized === '..' || normalized.startsWith('../')) {
    throw new RenderError([{ code: 'RENDER_PATH_OUTSIDE_SOURCE', file: raw, line: 1, column: 1, message: `path "${raw}" must be relative and inside the source` }]);
  }
  return normalized === '.' ? '' : normalized.replace(/^\.\//, '');
}
