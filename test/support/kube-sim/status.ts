/**
 * Status bodies exactly as kube-apiserver writes them (see test/fixtures/kube-apiserver-<version>/case-*.json).
 * Forbidden, with its many wordings, is rbac/forbidden.ts's.
 */
import { qualifiedKind, qualifiedResource, type SimKind } from './kinds.js';

export interface Cause {
  reason: string;
  message: string;
  field: string;
}

export class ApiFailure extends Error {
  constructor(
    readonly code: number,
    readonly body: Record<string, unknown> | string,
    readonly headers: Record<string, string | string[]> = {},
  ) {
    super(typeof body === 'string' ? body : String(body.message));
  }
}

function status(code: number, reason: string, message: string, details?: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

function details(kind: SimKind, name: string): Record<string, unknown> {
  return { name, ...(kind.group ? { group: kind.group } : {}), kind: kind.plural };
}

export const fail = {
  notFound: (kind: SimKind, name: string) => new ApiFailure(404, status(404, 'NotFound', `${qualifiedResource(kind)} "${name}" not found`, details(kind, name))),
  namespaceNotFound: (namespace: string) =>
    new ApiFailure(404, status(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' })),
  alreadyExists: (kind: SimKind, name: string) =>
    new ApiFailure(409, status(409, 'AlreadyExists', `${qualifiedResource(kind)} "${name}" already exists`, details(kind, name))),
  conflict: (kind: SimKind, name: string) =>
    new ApiFailure(
      409,
      status(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(kind)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, details(kind, name)),
    ),
  invalid: (kind: SimKind, name: string, causes: Cause[]) => {
    const text = causes.map((c) => `${c.field}: ${c.message}`);
    const message = `${qualifiedKind(kind)} "${name}" is invalid: ${text.length === 1 ? text[0] : `[${text.join(', ')}]`}`;
    return new ApiFailure(422, status(422, 'Invalid', message, { name, ...(kind.group ? { group: kind.group } : {}), kind: kind.kind, causes }));
  },
  /** What the server answers for a JSON Patch it cannot apply (a failed test, a missing path). */
  patchRejected: () => new ApiFailure(422, status(422, 'Invalid', 'the server rejected our request due to an error in our request', {})),
  badRequest: (message: string) => new ApiFailure(400, status(400, 'BadRequest', message)),
  /** A create or update whose body has unknown or duplicate fields, with `fieldValidation=Strict` (case-create-unknown-field-strict.json). */
  strictDecoding: (kind: SimKind, problems: string[]) =>
    new ApiFailure(400, status(400, 'BadRequest', `${kind.kind} in version "${kind.version}" cannot be handled as a ${kind.kind}: strict decoding error: ${problems.join(', ')}`)),
  /**
   * A patch whose result has unknown fields, with `fieldValidation=Strict`: the apiserver's
   * patcher answers Invalid on the field `patch`, naming no kind or object (its source; not in the fixtures).
   */
  strictPatch: (patched: string, problems: string[]) => {
    const message = `Invalid value: ${JSON.stringify(patched)}: strict decoding error: ${problems.join(', ')}`;
    return new ApiFailure(422, status(422, 'Invalid', ` "" is invalid: patch: ${message}`, { causes: [{ reason: 'FieldValueInvalid', message, field: 'patch' }] }));
  },
  /** A group version the server does not serve (case-create-removed-api-policy-v1beta1.json). */
  notServed: () => new ApiFailure(404, status(404, 'NotFound', 'the server could not find the requested resource', {})),
  unauthorized: () => new ApiFailure(401, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }),
  /** The Status of a watch ERROR event when the requested resourceVersion was compacted away. */
  expired: (requested: number, oldest: number) => status(410, 'Expired', `too old resource version: ${requested} (${oldest})`),
  pageNotFound: () => new ApiFailure(404, '404 page not found\n'),
  methodNotAllowed: () => new ApiFailure(405, status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')),
  unsupportedMediaType: (type: string) => new ApiFailure(415, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml; got ${type}`)),
  injected: (code: number, retryAfterSeconds?: number) =>
    new ApiFailure(
      code,
      status(code, code === 429 ? 'TooManyRequests' : code === 503 ? 'ServiceUnavailable' : 'InternalError', code === 429 ? 'Too many requests, please try again later.' : `injected failure ${code}`, retryAfterSeconds ? { retryAfterSeconds } : {}),
      retryAfterSeconds !== undefined ? { 'Retry-After': String(retryAfterSeconds) } : {},
    ),
};
