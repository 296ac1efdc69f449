/**
 * The authorizer chain of a kube-apiserver run with `--authorization-mode=Node,RBAC`, for every
 * user but kubelets: members of `system:masters` may do anything; everyone else may do what a
 * rule bound to them allows. RBAC never denies, it only fails to allow — and when it read a
 * binding whose role is missing, the refusal says so (`RBAC: clusterrole… "x" not found`).
 */
import type { RequestAttributes } from './attributes.js';
import { SYSTEM_MASTERS, type UserInfo } from './identity.js';
import { aggregateErrors, rulesFor, type PolicySource } from './resolve.js';
import { ruleAllows } from './rules.js';

export interface Decision {
  allowed: boolean;
  /** What the refusal appends to its message after `: ` (empty when RBAC had nothing to say). */
  reason: string;
}

export function authorize(policy: PolicySource, user: UserInfo, attributes: RequestAttributes): Decision {
  if (user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: '' };
  const { rules, errors } = rulesFor(policy, user, attributes.resourceRequest ? attributes.namespace : '', 'lister');
  if (rules.some((rule) => ruleAllows(attributes, rule))) return { allowed: true, reason: '' };
  return { allowed: false, reason: errors.length > 0 ? `RBAC: ${aggregateErrors(errors)}` : '' };
}
