/**
 * The rules that apply to a user in a namespace: those of every ClusterRoleBinding naming the
 * user, one of its groups or its service account, and — in a namespace — those of every
 * RoleBinding there that names it (a RoleBinding to a ClusterRole grants its rules in that
 * namespace only). A binding whose role is missing adds an error instead of rules.
 */
import type { UserInfo } from './identity.js';
import type { PolicyRule } from './rules.js';

type Obj = Record<string, any>;

/** The RBAC objects of the cluster, read as they are now. */
export interface PolicySource {
  clusterRoleBindings(): Obj[];
  roleBindings(namespace: string): Obj[];
  role(namespace: string, name: string): Obj | undefined;
  clusterRole(name: string): Obj | undefined;
}

/**
 * How a missing role is named. The authorizer reads roles through informer listers, whose
 * NotFound names the singular resource (`clusterrole.rbac.authorization.k8s.io "x" not found`);
 * RBAC's storage reads them from the registry, whose NotFound names the plural
 * (`clusterroles.rbac.authorization.k8s.io "x" not found`).
 */
export type RoleLookup = 'lister' | 'registry';

export interface ResolvedRules {
  rules: PolicyRule[];
  /** Resolution errors in visiting order, as the server words them. */
  errors: string[];
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

export function rulesFor(policy: PolicySource, user: UserInfo, namespace: string, lookup: RoleLookup): ResolvedRules {
  const rules: PolicyRule[] = [];
  const errors: string[] = [];
  const collect = (binding: Obj, bindingNamespace: string) => {
    if (!bindingApplies(user, binding, bindingNamespace)) return;
    const resolved = roleReferenceRules(policy, binding.roleRef ?? {}, bindingNamespace, lookup);
    if ('error' in resolved) errors.push(resolved.error);
    else rules.push(...resolved.rules);
  };
  for (const binding of byName(policy.clusterRoleBindings())) collect(binding, '');
  if (namespace) for (const binding of byName(policy.roleBindings(namespace))) collect(binding, namespace);
  return { rules, errors };
}

/** The rules a binding's roleRef grants, or the error that role cannot be read with. */
export function roleReferenceRules(policy: PolicySource, roleRef: Obj, bindingNamespace: string, lookup: RoleLookup): { rules: PolicyRule[] } | { error: string } {
  const name = String(roleRef.name ?? '');
  const plural = lookup === 'registry' ? 's' : '';
  switch (roleRef.kind) {
    case 'Role': {
      const role = policy.role(bindingNamespace, name);
      return role ? { rules: (role.rules ?? []) as PolicyRule[] } : { error: `role${plural}.${RBAC_GROUP} ${JSON.stringify(name)} not found` };
    }
    case 'ClusterRole': {
      const role = policy.clusterRole(name);
      return role ? { rules: (role.rules ?? []) as PolicyRule[] } : { error: `clusterrole${plural}.${RBAC_GROUP} ${JSON.stringify(name)} not found` };
    }
    default:
      return { error: `unsupported role reference kind: ${JSON.stringify(String(roleRef.kind ?? ''))}` };
  }
}

function bindingApplies(user: UserInfo, binding: Obj, bindingNamespace: string): boolean {
  return ((binding.subjects ?? []) as Obj[]).some((subject) => subjectApplies(user, subject, bindingNamespace));
}

function subjectApplies(user: UserInfo, subject: Obj, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.name === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      // A service account subject without a namespace means the binding's own namespace.
      const namespace = subject.namespace || bindingNamespace;
      return Boolean(namespace) && user.name === `system:serviceaccount:${namespace}:${subject.name}`;
    }
    default:
      return false;
  }
}

/** Listers hand bindings out in no particular order; sorting makes the errors' order stable. */
function byName(objects: Obj[]): Obj[] {
  return [...objects].sort((a, b) => {
    const [x, y] = [String(a.metadata?.name), String(b.metadata?.name)];
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** Go's utilerrors.NewAggregate(...).Error(): one message alone, several deduplicated in brackets. */
export function aggregateErrors(errors: string[]): string {
  const unique = [...new Set(errors)];
  return unique.length === 1 ? (unique[0] as string) : `[${unique.join(', ')}]`;
}
