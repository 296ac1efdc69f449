/**
 * RBAC objects as tests write them: Roles and ClusterRoles from rules, bindings from a role and
 * subjects. Plain objects, to create through any client (the simulator enforces them as a real
 * server does).
 */
import type { KubeObject } from '../../src/objects.js';

const RBAC = 'rbac.authorization.k8s.io';

export interface Rule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export type Subject = { kind: 'User' | 'Group'; name: string } | { kind: 'ServiceAccount'; name: string; namespace?: string };

/** A rule on resources of one API group (`''` for the core group). */
export const rule = (verbs: string[], apiGroup: string, resources: string[], resourceNames?: string[]): Rule => ({ verbs, apiGroups: [apiGroup], resources, ...(resourceNames ? { resourceNames } : {}) });

export const user = (name: string): Subject => ({ kind: 'User', name });
export const group = (name: string): Subject => ({ kind: 'Group', name });
export const serviceAccount = (namespace: string, name: string): Subject => ({ kind: 'ServiceAccount', name, namespace });

export const role = (namespace: string, name: string, rules: Rule[]): KubeObject => ({ apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name, namespace }, rules });

export const clusterRole = (name: string, rules: Rule[], labels?: Record<string, string>): KubeObject => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'ClusterRole',
  metadata: { name, ...(labels ? { labels } : {}) },
  rules,
});

const roleRef = (ref: { role: string } | { clusterRole: string }) => ('role' in ref ? { apiGroup: RBAC, kind: 'Role', name: ref.role } : { apiGroup: RBAC, kind: 'ClusterRole', name: ref.clusterRole });
const withApiGroups = (subjects: Subject[]) => subjects.map((subject) => (subject.kind === 'ServiceAccount' ? subject : { apiGroup: RBAC, ...subject }));

/** A RoleBinding in `namespace` of a Role there (`{ role }`) or of a ClusterRole (`{ clusterRole }`). */
export const roleBinding = (namespace: string, name: string, ref: { role: string } | { clusterRole: string }, subjects: Subject[]): KubeObject => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'RoleBinding',
  metadata: { name, namespace },
  roleRef: roleRef(ref),
  subjects: withApiGroups(subjects),
});

export const clusterRoleBinding = (name: string, clusterRoleName: string, subjects: Subject[]): KubeObject => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: roleRef({ clusterRole: clusterRoleName }),
  subjects: withApiGroups(subjects),
});
