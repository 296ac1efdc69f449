/**
 * The impersonation filter: `Impersonate-User`, `Impersonate-Group`, `Impersonate-Extra-<key>`
 * and `Impersonate-Uid` headers switch the request to another user, each one only if the caller
 * may `impersonate` it — `users`, `groups` and `serviceaccounts` (in the core group; a service
 * account by its namespace and name), `userextras/<key>` and `uids` (in authentication.k8s.io).
 * A service account impersonated without groups gets its own groups, as its token would; every
 * impersonated user but `system:anonymous` is in `system:authenticated`.
 */
import type { ResourceAttributes } from './attributes.js';
import type { Decision } from './authorize.js';
import { ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS, serviceAccountGroups, serviceAccountUser, splitServiceAccountUser, type UserInfo } from './identity.js';

export type Impersonation =
  /** No impersonation header: the request is the caller's own. */
  | { kind: 'none' }
  | { kind: 'impersonated'; user: UserInfo }
  /** The caller may not impersonate what `attributes` names (403). */
  | { kind: 'denied'; attributes: ResourceAttributes; reason: string }
  /** Groups, extras or a uid without a user: the server refuses the request outright. */
  | { kind: 'invalid'; message: string };

export interface ImpersonationOptions {
  /** `Impersonate-Uid` exists since Kubernetes 1.22; older servers ignore the header. */
  uid: boolean;
}

const EXTRA_PREFIX = 'impersonate-extra-';

/** A thing to impersonate, in the order the filter checks them: user, groups, extras, uid. */
interface Target {
  /** How Go prints the ObjectReference the filter builds (for the message of an invalid request). */
  printed: string;
  attributes: Omit<ResourceAttributes, 'resourceRequest' | 'verb'>;
}

/**
 * `rawHeaders` is Node's flat [name, value, …] list: repeated headers stay separate values
 * there, as Go's server keeps them (Node would join them with commas).
 */
export function impersonate(caller: UserInfo, rawHeaders: string[], authorize: (user: UserInfo, attributes: ResourceAttributes) => Decision, options: ImpersonationOptions): Impersonation {
  const headers = headerValues(rawHeaders);
  const requestedUser = headers.get('impersonate-user')?.[0] ?? '';
  const requestedGroups = headers.get('impersonate-group') ?? [];
  const requestedUid = options.uid ? (headers.get('impersonate-uid')?.[0] ?? '') : '';
  const extras: Array<[string, string]> = [];
  for (const [name, values] of headers) {
    if (!name.startsWith(EXTRA_PREFIX)) continue;
    const key = unescapeExtraKey(name.slice(EXTRA_PREFIX.length));
    for (const value of values) extras.push([key, value]);
  }

  const targets: Target[] = [];
  const account = requestedUser ? splitServiceAccountUser(requestedUser) : undefined;
  if (account) targets.push(core('ServiceAccount', 'serviceaccounts', account.name, account.namespace));
  else if (requestedUser) targets.push(core('User', 'users', requestedUser));
  for (const group of requestedGroups) targets.push(core('Group', 'groups', group));
  for (const [key, value] of extras) targets.push(authentication('UserExtra', 'userextras', value, key));
  if (requestedUid) targets.push(authentication('UID', 'uids', requestedUid));
  if (targets.length === 0) return { kind: 'none' };
  if (!requestedUser) return { kind: 'invalid', message: `requested [${targets.map((target) => target.printed).join(' ')}] without impersonating a user` };

  for (const target of targets) {
    const attributes: ResourceAttributes = { resourceRequest: true, verb: 'impersonate', ...target.attributes };
    const decision = authorize(caller, attributes);
    if (!decision.allowed) return { kind: 'denied', attributes, reason: decision.reason };
  }

  const name = account ? serviceAccountUser(account.namespace, account.name) : requestedUser;
  const groups = requestedGroups.length > 0 ? [...requestedGroups] : account ? serviceAccountGroups(account.namespace) : [];
  if (name === ANONYMOUS) {
    if (!groups.includes(ALL_UNAUTHENTICATED)) groups.push(ALL_UNAUTHENTICATED);
  } else if (!groups.includes(ALL_AUTHENTICATED) && !groups.includes(ALL_UNAUTHENTICATED)) {
    groups.push(ALL_AUTHENTICATED);
  }
  const extra: Record<string, string[]> = {};
  for (const [key, value] of extras) extra[key] = [...(extra[key] ?? []), value];
  return { kind: 'impersonated', user: { name, groups, ...(requestedUid ? { uid: requestedUid } : {}), ...(extras.length > 0 ? { extra } : {}) } };
}

function core(kind: string, resource: string, name: string, namespace = ''): Target {
  return { printed: objectReference(kind, namespace, name, '', ''), attributes: { apiGroup: '', apiVersion: '', namespace, resource, subresource: '', name } };
}

function authentication(kind: string, resource: string, name: string, subresource = ''): Target {
  return {
    printed: objectReference(kind, '', name, 'authentication.k8s.io/v1', subresource),
    attributes: { apiGroup: 'authentication.k8s.io', apiVersion: 'v1', namespace: '', resource, subresource, name },
  };
}

/** Go's `%v` of a v1.ObjectReference: its seven fields, space-separated, in braces. */
function objectReference(kind: string, namespace: string, name: string, apiVersion: string, fieldPath: string): string {
  return `{${[kind, namespace, name, '', apiVersion, '', fieldPath].join(' ')}}`;
}

/** Header values by lower-cased name, each header line one value. */
function headerValues(rawHeaders: string[]): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    values.set(name, [...(values.get(name) ?? []), rawHeaders[i + 1] as string]);
  }
  return values;
}

/** Extra keys travel %-encoded in header names (`Impersonate-Extra-example.com%2fscopes`). */
function unescapeExtraKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}
