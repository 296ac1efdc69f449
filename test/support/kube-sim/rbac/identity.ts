/**
 * Who a request is made by, as the API server's authenticators and its impersonation filter name
 * users: a name, groups, and the well-known names RBAC treats specially.
 */

/** An authenticated (or impersonated) user, as the authorizer sees it. */
export interface UserInfo {
  name: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

/** Members of this group pass every authorization and escalation check (the privileged-groups authorizer). */
export const SYSTEM_MASTERS = 'system:masters';
/** Every authenticated user is in this group; the bootstrap discovery bindings name it. */
export const ALL_AUTHENTICATED = 'system:authenticated';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
/** Who a request without credentials is, when anonymous requests are allowed (the default). */
export const ANONYMOUS = 'system:anonymous';

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';
const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';

/** `system:serviceaccount:<namespace>:<name>`. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

/** The groups every service account token carries, before `system:authenticated`. */
export function serviceAccountGroups(namespace: string): string[] {
  return [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`];
}

/** The namespace and name of a service account user name; undefined for any other name. */
export function splitServiceAccountUser(user: string): { namespace: string; name: string } | undefined {
  if (!user.startsWith(SERVICE_ACCOUNT_PREFIX)) return undefined;
  const parts = user.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

/** The user a service account's token authenticates as. */
export function serviceAccountIdentity(namespace: string, name: string, uid?: string): UserInfo {
  return { name: serviceAccountUser(namespace, name), groups: [...serviceAccountGroups(namespace), ALL_AUTHENTICATED], ...(uid ? { uid } : {}) };
}

/** Adds `system:authenticated`, as the authenticator chain does for every authenticated user. */
export function authenticated(name: string, groups: string[] = []): UserInfo {
  return { name, groups: groups.includes(ALL_AUTHENTICATED) ? [...groups] : [...groups, ALL_AUTHENTICATED] };
}
