import type { KubeObject } from '../objects.js';
import { formatRef, groupOf, isJsonObject } from '../objects.js';
import type { RenderProblem } from './errors.js';
import type { ParsedDocument } from './parse.js';
import type { FieldPath } from './field-path.js';
import type { Scope } from './cluster-facts.js';

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
const LABEL_NAME_KINDS = new Set(['Namespace', 'Service']);

export interface Located {
  object: KubeObject;
  file: string;
  document: ParsedDocument;
}

/** Checks one document is a Kubernetes object with a well-formed name; problems point at the field. */
export function validateDocument(file: string, document: ParsedDocument): { object?: KubeObject; problems: RenderProblem[] } {
  const problems: RenderProblem[] = [];
  const at = (field: FieldPath) => (field.length ? document.locate(field) : undefined) ?? { line: document.line, column: document.column };
  const add = (code: string, field: FieldPath, message: string) => {
    const position = at(field);
    problems.push({ code, file, line: position.line, column: position.column, message });
  };
  const value = document.value;
  if (!isJsonObject(value)) {
    add('RENDER_NOT_AN_OBJECT', [], `not a Kubernetes object (a ${Array.isArray(value) ? 'list' : typeof value} where a map with apiVersion and kind was expected)`);
    return { problems };
  }
  if (value.apiVersion === undefined && value.kind === undefined) {
    add('RENDER_NOT_AN_OBJECT', [], 'not a Kubernetes object: no apiVersion and no kind (move non-manifest YAML out of the sync path)');
    return { problems };
  }
  if (typeof value.apiVersion !== 'string' || !/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(value.apiVersion)) {
    add('RENDER_MISSING_FIELD', ['apiVersion'], value.apiVersion === undefined ? 'apiVersion is missing' : `apiVersion "${String(value.apiVersion)}" is not a valid API version`);
  }
  if (typeof value.kind !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(value.kind)) {
    add('RENDER_MISSING_FIELD', ['kind'], value.kind === undefined ? 'kind is missing' : `kind "${String(value.kind)}" is not a valid kind`);
  }
  const metadata = isJsonObject(value.metadata) ? value.metadata : undefined;
  const name = metadata?.name;
  const kind = typeof value.kind === 'string' ? value.kind : 'object';
  if (typeof name !== 'string' || name === '') {
    add('RENDER_MISSING_FIELD', ['metadata', 'name'], `${kind}: metadata.name is missing`);
  } else {
    const nameProblem = checkName(kind, name);
    if (nameProblem) add('RENDER_INVALID_NAME', ['metadata', 'name'], `${kind} "${name}": ${nameProblem}`);
  }
  if (metadata?.namespace !== undefined && (typeof metadata.namespace !== 'string' || !LABEL.test(metadata.namespace) || metadata.namespace.length > 63)) {
    add('RENDER_INVALID_NAME', ['metadata', 'namespace'], `${kind}: metadata.namespace "${String(metadata.namespace)}" is not a valid namespace name (a DNS-1123 label)`);
  }
  for (const field of ['labels', 'annotations']) {
    const values = metadata?.[field];
    if (values === undefined || values === null) continue;
    if (!isJsonObject(values)) {
      add('RENDER_INVALID_FIELD', ['metadata', field], `${kind}: metadata.${field} must be a map of strings`);
      continue;
    }
    for (const [key, inner] of Object.entries(values)) {
      if (typeof inner !== 'string') add('RENDER_INVALID_FIELD', ['metadata', field, key], `${kind}: metadata.${field}.${key} must be a string (quote it: "${String(inner)}")`);
    }
  }
  if (problems.length > 0) return { problems };
  return { object: value as unknown as KubeObject, problems };
}

function checkName(kind: string, name: string): string | undefined {
  if (RBAC_KINDS.has(kind)) return /[/%]/.test(name) || name === '.' || name === '..' ? "may not contain '/' or '%'" : undefined;
  if (LABEL_NAME_KINDS.has(kind)) {
    return LABEL.test(name) && name.length <= 63 ? undefined : 'must be a DNS-1123 label: at most 63 lower case alphanumeric characters or "-", starting and ending with an alphanumeric character';
  }
  return SUBDOMAIN.test(name) && name.length <= 253
    ? undefined
    : 'must be a DNS-1123 subdomain: lower case alphanumeric characters, "-" or ".", starting and ending with an alphanumeric character';
}

/**
 * Defaults namespaces (targetNamespace, else the default namespace) for namespaced objects that
 * name none, drops them from cluster-scoped ones (a warning: kubectl ignores them too), and
 * rejects two objects with the same group, kind, namespace and name, naming both places.
 * `scopes` (by `group/Kind`, from resolveScopes) decides which objects are namespaced.
 */
export function resolveNamespaces(
  located: Located[],
  scopes: ReadonlyMap<string, Scope>,
  options: { targetNamespace?: string; defaultNamespace: string },
): { problems: RenderProblem[]; warnings: RenderProblem[] } {
  const problems: RenderProblem[] = [];
  const warnings: RenderProblem[] = [];
  const seen = new Map<string, Located>();
  for (const item of located) {
    const { object, document, file } = item;
    if (scopes.get(`${groupOf(object.apiVersion)}/${object.kind}`) === 'Cluster') {
      if (object.metadata.namespace !== undefined) {
        const position = document.locate(['metadata', 'namespace']) ?? document;
        warnings.push({ code: 'RENDER_NAMESPACE_IGNORED', file, line: position.line, column: position.column, message: `${object.kind} "${object.metadata.name}" is cluster-scoped: its namespace "${object.metadata.namespace}" is ignored` });
        delete object.metadata.namespace;
      }
    } else if (!object.metadata.namespace) {
      object.metadata.namespace = options.targetNamespace ?? options.defaultNamespace;
    }
    const key = `${groupOf(object.apiVersion)}/${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    const first = seen.get(key);
    if (first) {
      const position = document.locate(['metadata', 'name']) ?? document;
      problems.push({
        code: 'RENDER_DUPLICATE_OBJECT',
        file,
        line: position.line,
        column: position.column,
        message: `${formatRef({ kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace })} is defined twice (first at ${first.file}:${first.document.line})`,
      });
    } else {
      seen.set(key, item);
    }
  }
  return { problems, warnings };
}
