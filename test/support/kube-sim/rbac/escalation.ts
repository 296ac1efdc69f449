/**
 * RBAC's privilege-escalation rule: a user may grant (in a Role, a ClusterRole, or by binding one)
 * only permissions it holds itself. Each requested rule is broken down into single
 * verb × group × resource × name grants, each must be covered by one rule the user holds, and the
 * uncovered ones are listed in the refusal, compacted per resource and sorted as the server does.
 */
import type { UserInfo } from './identity.js';
import { aggregateErrors, rulesFor, type PolicySource } from './resolve.js';
import type { PolicyRule } from './rules.js';

const ALL = '*';

/** The grants of `requested` that no rule of `owner` covers (empty: `owner` covers them all). */
export function uncoveredRules(owner: PolicyRule[], requested: PolicyRule[]): PolicyRule[] {
  return requested.flatMap(breakdownRule).filter((grant) => !owner.some((rule) => ruleCovers(rule, grant)));
}

/** One rule per verb, group, resource and name (and per verb and non-resource URL). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const grants: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        const names = rule.resourceNames ?? [];
        if (names.length === 0) grants.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        for (const name of names) grants.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs) grants.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return grants;
}

/**
 * Whether `owner` covers all of `grant`. A wildcard covers only where the owner has the wildcard
 * itself: granting `verbs: ["*"]` needs `*`, not every verb one by one.
 */
function ruleCovers(owner: PolicyRule, grant: PolicyRule): boolean {
  const verbs = owner.verbs.includes(ALL) || hasAll(owner.verbs, grant.verbs);
  const groups = (owner.apiGroups ?? []).includes(ALL) || hasAll(owner.apiGroups ?? [], grant.apiGroups ?? []);
  const resources = resourcesCover(owner.resources ?? [], grant.resources ?? []);
  const urls = (grant.nonResourceURLs ?? []).every((path) => (owner.nonResourceURLs ?? []).some((candidate) => candidate === path || (candidate.endsWith('*') && path.startsWith(candidate.replace(/\*+$/, '')))));
  const ownerNames = owner.resourceNames ?? [];
  const grantNames = grant.resourceNames ?? [];
  const names = grantNames.length === 0 ? ownerNames.length === 0 : ownerNames.length === 0 || hasAll(ownerNames, grantNames);
  return verbs && groups && resources && urls && names;
}

function resourcesCover(owner: string[], requested: string[]): boolean {
  if (owner.includes(ALL) || hasAll(owner, requested)) return true;
  // `*/status` covers the status subresource of anything.
  return requested.every((resource) => {
    const [, subresource] = resource.split(/\/(.*)/s);
    return subresource !== undefined && owner.includes(`*/${subresource}`);
  });
}

function hasAll(set: string[], wanted: string[]): boolean {
  return wanted.every((item) => set.includes(item));
}

/** Grants that differ only by verb, merged into one rule (RBAC's CompactRules). */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const complex: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const rule of rules) {
    const names = rule.resourceNames ?? [];
    const isSimple = names.length <= 1 && (rule.nonResourceURLs ?? []).length === 0 && rule.apiGroups?.length === 1 && rule.resources?.length === 1;
    if (!isSimple) {
      complex.push(rule);
      continue;
    }
    const key = JSON.stringify([rule.apiGroups, rule.resources, names]);
    const existing = simple.get(key);
    if (existing) existing.verbs = [...existing.verbs, ...rule.verbs];
    else simple.set(key, { ...rule, verbs: [...rule.verbs] });
  }
  return [...complex, ...simple.values()];
}

/** `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list"]}`: Go's `%q` of each list. */
export function compactString(rule: PolicyRule): string {
  const parts: string[] = [];
  const list = (values: string[]) => `[${values.map((value) => JSON.stringify(value)).join(' ')}]`;
  if (rule.apiGroups?.length) parts.push(`APIGroups:${list(rule.apiGroups)}`);
  if (rule.resources?.length) parts.push(`Resources:${list(rule.resources)}`);
  if (rule.nonResourceURLs?.length) parts.push(`NonResourceURLs:${list(rule.nonResourceURLs)}`);
  if (rule.resourceNames?.length) parts.push(`ResourceNames:${list(rule.resourceNames)}`);
  if (rule.verbs.length) parts.push(`Verbs:${list(rule.verbs)}`);
  return `{${parts.join(', ')}}`;
}

/**
 * Undefined when `user` holds (in `namespace`, or cluster-wide for an empty one) every permission
 * of `requested`; otherwise the server's explanation, naming the user, its groups and each
 * missing permission, and any role its bindings name that does not exist.
 */
export function escalationRefusal(policy: PolicySource, user: UserInfo, namespace: string, requested: PolicyRule[]): string | undefined {
  const held = rulesFor(policy, user, namespace, 'registry');
  const missing = uncoveredRules(held.rules, requested);
  if (missing.length === 0) return undefined;
  const descriptions = [...new Set(compactRules(missing).map(compactString))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const groups = `[${user.groups.map((group) => JSON.stringify(group)).join(' ')}]`;
  const message = `user ${JSON.stringify(user.name)} (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${descriptions.join('\n')}`;
  return held.errors.length > 0 ? `${message}; resolution errors: [${aggregateErrors(held.errors)}]` : message;
}
