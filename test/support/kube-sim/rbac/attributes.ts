/**
 * What a request asks to do, read from its method and URL alone the way the API server's
 * RequestInfo resolver reads it — before anything knows whether the resource is served, which is
 * why a forbidden user gets 403 even for a resource that does not exist.
 */

/** A request for a resource: `/api/v1/…` or `/apis/<group>/<version>/…` with a resource after the version. */
export interface ResourceAttributes {
  resourceRequest: true;
  verb: string;
  apiGroup: string;
  apiVersion: string;
  /** Empty for cluster-scoped resources; a Namespace's own name for `/api/v1/namespaces/<name>`. */
  namespace: string;
  resource: string;
  subresource: string;
  /** Empty for lists and creates, unless a list or watch selects one name by `metadata.name`. */
  name: string;
}

/** Any other request (`/version`, `/api`, `/apis/apps/v1`, `/openapi/v3`, `/healthz`): a path and a verb. */
export interface NonResourceAttributes {
  resourceRequest: false;
  verb: string;
  path: string;
}

export type RequestAttributes = ResourceAttributes | NonResourceAttributes;

const API_PREFIXES = new Set(['api', 'apis']);
/** Verbs that come first in a path (`/api/v1/watch/namespaces/…`), the old way of asking. */
const PATH_VERBS = new Set(['proxy', 'watch']);
/** Path segments after a namespace's name that are its subresources, not resources in it. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
const METHOD_VERBS: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

export function requestAttributes(method: string, pathname: string, params: URLSearchParams): RequestAttributes {
  const parts = pathname.split('/').filter(Boolean);
  const nonResource: NonResourceAttributes = { resourceRequest: false, verb: method.toLowerCase(), path: pathname };
  if (parts.length < 3 || !API_PREFIXES.has(parts[0] as string)) return nonResource;
  let rest = parts.slice(1);
  let apiGroup = '';
  if (parts[0] === 'apis') {
    if (rest.length < 3) return nonResource;
    apiGroup = rest[0] as string;
    rest = rest.slice(1);
  }
  const apiVersion = rest[0] as string;
  rest = rest.slice(1);
  let verb: string;
  let verbFromMethod = false;
  if (PATH_VERBS.has(rest[0] as string) && rest.length >= 2) {
    verb = rest[0] as string;
    rest = rest.slice(1);
  } else {
    verb = METHOD_VERBS[method] ?? '';
    verbFromMethod = true;
  }
  let namespace = '';
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1] as string;
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] as string)) rest = rest.slice(2);
  }
  const resource = rest[0] ?? '';
  let name = rest[1] ?? '';
  const subresource = rest.length >= 3 && verb !== 'proxy' ? (rest[2] as string) : '';
  if (verbFromMethod && !name && verb === 'get') {
    const watch = params.get('watch');
    verb = watch === 'true' || watch === '1' ? 'watch' : 'list';
    // A list or watch of one object by name is authorized as that object (resourceNames apply).
    const selected = exactName(params.get('fieldSelector'));
    if (selected) name = selected;
  }
  if (verbFromMethod && !name && verb === 'delete') verb = 'deletecollection';
  return { resourceRequest: true, verb, apiGroup, apiVersion, namespace, resource, subresource, name };
}

/** The name a field selector requires exactly (`metadata.name=web`), if it requires one. */
function exactName(selector: string | null): string | undefined {
  if (!selector) return undefined;
  let name: string | undefined;
  for (const term of selector.split(',')) {
    const match = /^\s*metadata\.name\s*(==|=)\s*(.*?)\s*$/.exec(term);
    if (match) name = match[2];
  }
  return name && /^[^/%]+$/.test(name) && name !== '.' && name !== '..' ? name : undefined;
}
