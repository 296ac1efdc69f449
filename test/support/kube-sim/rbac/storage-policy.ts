/**
 * What RBAC's own REST storage checks when a Role, ClusterRole, RoleBinding or ClusterRoleBinding
 * is created or changed (also in a dry run, a patch or a server-side apply), after admission and
 * before validation:
 *
 * - a role's rules must be held by the writer, unless it may `escalate` roles/clusterroles, and
 *   setting or changing an aggregation rule (it can gather anything) needs all of cluster-admin;
 * - a binding's role must be held by the writer, unless it may `bind` that role (by name, in the
 *   binding's namespace or cluster-wide);
 * - `system:masters` is exempt, and so is a change of nothing but ownerReferences and finalizers
 *   (the garbage collector must be able to clean up).
 */
import { isDeepStrictEqual } from 'node:util';
import type { ResourceAttributes } from './attributes.js';
import type { Decision } from './authorize.js';
import { escalationRefusal } from './escalation.js';
import { forbiddenStatus } from './forbidden.js';
import { SYSTEM_MASTERS, type UserInfo } from './identity.js';
import { roleReferenceRules, type PolicySource } from './resolve.js';
import type { PolicyRule } from './rules.js';

type Obj = Record<string, any>;

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const ROLE_RESOURCES = new Set(['roles', 'clusterroles']);
const BINDING_RESOURCES = new Set(['rolebindings', 'clusterrolebindings']);
/** What an aggregation rule can gather: everything. */
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/** One write of an RBAC object, as the storage sees it. */
export interface RbacWrite {
  /** The writer; undefined for the server's own writes (bootstrap policy). */
  user: UserInfo | undefined;
  /** The resource written: `roles`, `clusterroles`, `rolebindings` or `clusterrolebindings`. */
  resource: string;
  /** The namespace of the request (empty for cluster-scoped resources). */
  namespace: string;
  /** The object name in the request's URL (empty for a create, which posts to the collection). */
  requestName: string;
  object: Obj;
  /** The stored object an update changes; undefined for a create. */
  previous: Obj | undefined;
}

export type Authorize = (user: UserInfo, attributes: ResourceAttributes) => Decision;

/** Throws the server's Forbidden when the write would grant what the writer does not hold. */
export function checkRbacWrite(write: RbacWrite, policy: PolicySource, authorize: Authorize): void {
  const { user } = write;
  if (!user || user.groups.includes(SYSTEM_MASTERS)) return;
  if (ROLE_RESOURCES.has(write.resource)) checkRole(write, user, policy, authorize);
  else if (BINDING_RESOURCES.has(write.resource)) checkBinding(write, user, policy, authorize);
}

function checkRole(write: RbacWrite, user: UserInfo, policy: PolicySource, authorize: Authorize): void {
  const escalate: ResourceAttributes = { resourceRequest: true, verb: 'escalate', apiGroup: RBAC_GROUP, apiVersion: '*', namespace: write.namespace, resource: write.resource, subresource: '', name: write.requestName };
  if (authorize(user, escalate).allowed) return;
  if (onlyGarbageCollectorFields(write)) return;
  const refusal = escalationRefusal(policy, user, write.namespace, (write.object.rules ?? []) as PolicyRule[]);
  if (refusal) throw refused(write, refusal);
  const aggregates = (role: Obj | undefined) => ((role?.aggregationRule?.clusterRoleSelectors ?? []) as Obj[]).length > 0;
  if (write.resource === 'clusterroles' && (aggregates(write.object) || aggregates(write.previous)) && escalationRefusal(policy, user, write.namespace, FULL_AUTHORITY)) {
    throw refused(write, 'must have cluster-admin privileges to use the aggregationRule');
  }
}

function checkBinding(write: RbacWrite, user: UserInfo, policy: PolicySource, authorize: Authorize): void {
  if (onlyGarbageCollectorFields(write)) return;
  const roleRef = (write.object.roleRef ?? {}) as Obj;
  const resource = roleRef.kind === 'ClusterRole' ? 'clusterroles' : roleRef.kind === 'Role' ? 'roles' : undefined;
  if (resource) {
    const bind: ResourceAttributes = { resourceRequest: true, verb: 'bind', apiGroup: String(roleRef.apiGroup ?? ''), apiVersion: '', namespace: write.namespace, resource, subresource: '', name: String(roleRef.name ?? '') };
    if (authorize(user, bind).allowed) return;
  }
  const granted = roleReferenceRules(policy, roleRef, write.namespace, 'registry');
  if ('error' in granted) throw refused(write, granted.error);
  const refusal = escalationRefusal(policy, user, write.namespace, granted.rules);
  if (refusal) throw refused(write, refusal);
}

function refused(write: RbacWrite, cause: string) {
  return forbiddenStatus({ group: RBAC_GROUP, resource: write.resource, name: String(write.object.metadata?.name ?? '') }, cause);
}

/** An update that changes only what the garbage collector writes (ownerReferences, finalizers). */
function onlyGarbageCollectorFields(write: RbacWrite): boolean {
  if (!write.previous) return false;
  return isDeepStrictEqual(withoutGarbageCollectorFields(write.object), withoutGarbageCollectorFields(write.previous));
}

function withoutGarbageCollectorFields(object: Obj): Obj {
  const { apiVersion: _version, kind: _kind, metadata = {}, ...rest } = object;
  const { ownerReferences: _owners, finalizers: _finalizers, selfLink: _selfLink, managedFields: _managed, ...meta } = metadata as Obj;
  return { ...rest, metadata: meta };
}
