import { FerryError } from '../errors.js';
import type { ObjectRef } from '../objects.js';
import { formatRef } from '../objects.js';

/** One field problem of a 422 Invalid answer. */
export interface StatusCause {
  field?: string;
  message: string;
  reason?: string;
}

/** The parts of a Kubernetes `Status` body ferry reads. */
export interface ApiStatus {
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; group?: string; causes?: StatusCause[]; retryAfterSeconds?: number };
}

/**
 * An answer of the Kubernetes API that is not a success. The message starts with the object
 * (`Kind/namespace/name`) when the call concerned one, then says what the server said.
 */
export class KubeApiError extends FerryError {
  readonly status: number | undefined;
  readonly reason: string;
  readonly ref: ObjectRef | undefined;
  readonly causes: StatusCause[];
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: string,
    message: string,
    init: { status?: number; reason?: string; ref?: ObjectRef; causes?: StatusCause[]; retryAfterSeconds?: number; cause?: unknown },
  ) {
    super(code, message, {
      details: {
        ...(init.status !== undefined ? { status: init.status } : {}),
        ...(init.reason ? { reason: init.reason } : {}),
        ...(init.ref ? { ref: init.ref } : {}),
        ...(init.causes?.length ? { causes: init.causes } : {}),
      },
      cause: init.cause,
    });
    this.status = init.status;
    this.reason = init.reason ?? '';
    this.ref = init.ref;
    this.causes = init.causes ?? [];
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

export class NotFoundError extends KubeApiError {}
export class AlreadyExistsError extends KubeApiError {}
export class ConflictError extends KubeApiError {}
export class InvalidError extends KubeApiError {}
export class ForbiddenError extends KubeApiError {}

/**
 * 403 Forbidden for a call made as another identity (impersonation): either that identity may
 * not do the verb (`code` KUBE_FORBIDDEN: its RBAC decides, as intended), or ferry's own identity
 * may not impersonate it (`impersonationDenied`, code KUBE_IMPERSONATION_FORBIDDEN: the agent's
 * RBAC lacks the `impersonate` verb).
 */
export class ImpersonatedForbiddenError extends ForbiddenError {
  /** The username the call was made as (`system:serviceaccount:team-a:deployer`). */
  readonly identity: string;
  /** The Kubernetes verb that was refused (`create`, `patch`, `list` …). */
  readonly verb: string;
  readonly impersonationDenied: boolean;

  constructor(code: string, message: string, init: { status?: number; reason?: string; ref?: ObjectRef; causes?: StatusCause[]; identity: string; verb: string; impersonationDenied: boolean; cause?: unknown }) {
    super(code, message, init);
    this.identity = init.identity;
    this.verb = init.verb;
    this.impersonationDenied = init.impersonationDenied;
    Object.assign(this.details, { identity: init.identity, verb: init.verb, impersonationDenied: init.impersonationDenied });
  }
}
export class UnauthorizedError extends KubeApiError {}
export class TooManyRequestsError extends KubeApiError {}
/** 410 Gone: a watch's resourceVersion is too old (compacted); list again and watch from there. */
export class ExpiredError extends KubeApiError {}
export class ServerError extends KubeApiError {}
export class BadRequestError extends KubeApiError {}

/** One field the server would not take: unknown to the schema, or given twice. */
export interface FieldProblem {
  problem: 'unknown' | 'duplicate';
  /** As the server names it: `spec.template.spec.containers[0].imagePullPolice`. */
  path: string;
  /** The same path as keys and list indexes: `['spec', 'template', 'spec', 'containers', 0, 'imagePullPolice']`. */
  segments: Array<string | number>;
}

/**
 * Strict field validation refused an object: a field its schema does not have (a typo such as
 * `imagePullPolice`) or a field given twice. Either the server refused it (400 for a create or
 * update, 422 on the field `patch` for a patch; nothing written)
 * or, on a server that does not enforce the `fieldValidation` parameter, it said so in `Warning`
 * headers; `written` tells whether the object was stored regardless (a real write there).
 */
export class FieldValidationError extends BadRequestError {
  readonly fields: FieldProblem[];
  readonly written: boolean;

  constructor(message: string, init: { status: number; ref?: ObjectRef; fields: FieldProblem[]; written: boolean; cause?: unknown }) {
    super('KUBE_FIELD_VALIDATION', message, { status: init.status, reason: 'FieldValidation', ...(init.ref ? { ref: init.ref } : {}), cause: init.cause });
    this.fields = init.fields;
    this.written = init.written;
    Object.assign(this.details, { fields: init.fields.map(({ problem, path }) => ({ problem, path })), written: init.written });
  }
}
export class NetworkError extends KubeApiError {}
export class TimeoutError extends KubeApiError {}
/** The server does not serve this apiVersion/kind (a CRD not installed, or a typo). */
export class UnknownKindError extends KubeApiError {}
/** The kubeconfig cannot be used: missing file, missing context, no cluster. */
export class KubeConfigError extends FerryError {}
/** The kubeconfig's exec credential plugin failed (e.g. `aws eks get-token`). */
export class ExecPluginError extends FerryError {}

/** Where a request went, to name it in messages. */
export interface RequestTarget {
  method: string;
  url: string;
  ref?: ObjectRef;
  /** `Deployment` or `deployments` when there is no single object (a list). */
  what?: string;
}

/** How messages name a request: the object (`Kind/namespace/name`), else what it asked for. */
export function describeTarget(target: RequestTarget): string {
  return target.ref ? formatRef(target.ref) : target.what ?? `${target.method} ${pathOf(target.url)}`;
}

/** Builds the typed error for an HTTP answer from its status code and (parsed) Status body. */
export function errorFromResponse(status: number, body: unknown, target: RequestTarget, retryAfterHeader?: string | null): KubeApiError {
  const apiStatus: ApiStatus = isStatus(body) ? body : {};
  const serverMessage = apiStatus.message ?? (typeof body === 'string' && body.trim() ? body.trim().slice(0, 300) : `HTTP ${status}`);
  const causes = apiStatus.details?.causes ?? [];
  const reason = apiStatus.reason ?? '';
  const subject = describeTarget(target);
  const retryAfterSeconds = parseRetryAfter(retryAfterHeader) ?? apiStatus.details?.retryAfterSeconds;
  const init = { status, reason, ...(target.ref ? { ref: target.ref } : {}), causes, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) };
  switch (status) {
    case 400: {
      const fields = reason === 'BadRequest' && /strict decoding error/.test(serverMessage) ? fieldProblemsIn(serverMessage) : [];
      if (fields.length > 0) return fieldValidationError(subject, fields, { status, ref: target.ref, written: false });
      return new BadRequestError('KUBE_BAD_REQUEST', `${subject}: bad request: ${serverMessage}`, init);
    }
    case 401:
      return new UnauthorizedError(
        'KUBE_UNAUTHORIZED',
        `${subject}: the API server rejected ferry's credentials (401 Unauthorized); check the kubeconfig user, its token or exec plugin (e.g. aws eks get-token)`,
        init,
      );
    case 403:
      return new ForbiddenError('KUBE_FORBIDDEN', `${subject}: forbidden: ${serverMessage}`, init);
    case 404:
      return new NotFoundError('KUBE_NOT_FOUND', `${subject}: not found${reason === 'NotFound' ? '' : ` (${serverMessage})`}`, init);
    case 409:
      return reason === 'AlreadyExists'
        ? new AlreadyExistsError('KUBE_ALREADY_EXISTS', `${subject}: already exists`, init)
        : new ConflictError('KUBE_CONFLICT', `${subject}: conflict: ${serverMessage}`, init);
    case 422:
      // A patch whose result fails strict decoding: 422 on the field `patch` (the apiserver's patcher).
      if (causes.some((cause) => cause.field === 'patch' && /strict decoding error/.test(cause.message))) {
        const fields = causes.flatMap((cause) => (cause.field === 'patch' ? fieldProblemsIn(cause.message) : []));
        if (fields.length > 0) return fieldValidationError(subject, fields, { status, ref: target.ref, written: false });
      }
      return new InvalidError(
        'KUBE_INVALID',
        causes.length > 0
          ? `${subject}: invalid: ${causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join('; ')}`
          : `${subject}: invalid: ${serverMessage}`,
        init,
      );
    case 410:
      return new ExpiredError('KUBE_EXPIRED', `${subject}: ${serverMessage}; list again`, init);
    case 429:
      return new TooManyRequestsError('KUBE_TOO_MANY_REQUESTS', `${subject}: the API server is throttling requests (429): ${serverMessage}`, init);
    default:
      if (status >= 500) return new ServerError('KUBE_SERVER_ERROR', `${subject}: API server error ${status}: ${serverMessage}`, init);
      return new KubeApiError('KUBE_ERROR', `${subject}: unexpected answer ${status}: ${serverMessage}`, init);
  }
}

/** The unknown and duplicate fields a strict-decoding message or an unknown-field warning names. */
export function fieldProblemsIn(text: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  // Only what follows "strict decoding error:" names fields (before it a patch may be quoted).
  const marker = text.lastIndexOf('strict decoding error:');
  for (const match of (marker >= 0 ? text.slice(marker) : text).matchAll(/\b(unknown|duplicate) field "((?:[^"\\]|\\.)*)"/g)) {
    const path = (match[2] as string).replace(/\\(.)/g, '$1');
    problems.push({ problem: match[1] as FieldProblem['problem'], path, segments: pathSegments(path) });
  }
  return problems;
}

/** The FieldValidationError for `fields` of the object `subject` names. */
export function fieldValidationError(subject: string, fields: FieldProblem[], init: { status: number; ref?: ObjectRef | undefined; written: boolean }): FieldValidationError {
  const listed = fields.map((field) => `${field.problem} field "${field.path}"`).join(', ');
  const after = init.written ? '; the server does not enforce strict field validation and stored the object without it' : '';
  return new FieldValidationError(`${subject}: ${listed}${after}`, { status: init.status, ...(init.ref ? { ref: init.ref } : {}), fields, written: init.written });
}

/** `a.b[0].c` → `['a', 'b', 0, 'c']`. */
function pathSegments(path: string): Array<string | number> {
  const segments: Array<string | number> = [];
  for (const part of path.split('.')) {
    const [name, ...indexes] = part.split('[');
    if (name) segments.push(name);
    for (const index of indexes) segments.push(Number(index.replace(']', '')));
  }
  return segments;
}

/** True when a JSON Patch was refused because its leading `test` of resourceVersion failed. */
export function isPatchTestFailure(error: unknown): boolean {
  // A real kube-apiserver answers a failed `test` with 422 Invalid, no causes and this message
  // (shared/fixtures/kube-apiserver-1.19/case-json-patch-test-failed.json).
  return (
    error instanceof InvalidError &&
    error.causes.length === 0 &&
    /the server rejected our request due to an error in our request|test operation failed|testing value/i.test(error.message)
  );
}

/** Retry-After as seconds (the API server sends seconds; HTTP dates are honoured too). */
export function parseRetryAfter(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

function isStatus(body: unknown): body is ApiStatus {
  return typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'Status';
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
