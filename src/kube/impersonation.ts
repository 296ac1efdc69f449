import { ForbiddenError, ImpersonatedForbiddenError } from './errors.js';

/**
 * Who a client view acts as (Kubernetes impersonation): every call carries `Impersonate-User`
 * and, when given, one `Impersonate-Group` header per group. ferry's own identity needs the
 * `impersonate` verb on the users, groups or service accounts named here.
 */
export interface Identity {
  user: string;
  /**
   * Groups to act with. For a service account leave them out: the API server then gives it its
   * own groups (`system:serviceaccounts`, `system:serviceaccounts:<namespace>`,
   * `system:authenticated`), and ferry needs no permission to impersonate groups.
   */
  groups?: string[];
}

/** The identity of a service account: user `system:serviceaccount:<namespace>:<name>`. */
export function serviceAccountIdentity(namespace: string, name: string): Identity {
  return { user: `system:serviceaccount:${namespace}:${name}` };
}

/** The request headers that make a call as `identity`. */
export function impersonationHeaders(identity: Identity | undefined): Record<string, string | string[]> {
  if (!identity) return {};
  return { 'Impersonate-User': identity.user, ...(identity.groups?.length ? { 'Impersonate-Group': identity.groups } : {}) };
}

/**
 * A 403 of a call made as `identity`, as an error that names the object, the verb and the
 * identity, and tells apart "the identity may not" from "ferry may not impersonate it".
 */
export function forbiddenAs(error: unknown, identity: Identity | undefined, verb: string): unknown {
  if (!identity || !(error instanceof ForbiddenError) || error instanceof ImpersonatedForbiddenError) return error;
  // errorFromResponse wrote `<subject>: forbidden: <the server's message>`.
  const split = error.message.indexOf(': forbidden: ');
  const subject = split >= 0 ? error.message.slice(0, split) : error.message;
  const server = split >= 0 ? error.message.slice(split + ': forbidden: '.length) : error.message;
  // The API server checks the `impersonate` verb first: "User "<ferry>" cannot impersonate resource "serviceaccounts" …".
  const impersonationDenied = /cannot impersonate/.test(server);
  const message = impersonationDenied
    ? `${subject}: ferry may not impersonate ${identity.user} (it needs the impersonate verb on that user or service account): ${server}`
    : `${subject}: ${identity.user} may not ${verb}: ${server}`;
  return new ImpersonatedForbiddenError(impersonationDenied ? 'KUBE_IMPERSONATION_FORBIDDEN' : 'KUBE_FORBIDDEN', message, {
    ...(error.status !== undefined ? { status: error.status } : {}),
    reason: error.reason,
    ...(error.ref ? { ref: error.ref } : {}),
    causes: error.causes,
    identity: identity.user,
    verb,
    impersonationDenied,
    cause: error,
  });
}
