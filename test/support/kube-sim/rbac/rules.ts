/**
 * Whether one PolicyRule allows a request, as RBAC's rule evaluator decides: verbs, API groups,
 * resources with their subresources (`deployments/status`; `*` for all resources, and a `*`
 * before a subresource for that subresource of all), resource names, and non-resource URLs
 * (`/version`, or a prefix ending in `*`).
 */
import type { RequestAttributes } from './attributes.js';

/** A rule of a Role or ClusterRole (rbac.authorization.k8s.io/v1 PolicyRule). */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

const ALL = '*';

export function ruleAllows(attributes: RequestAttributes, rule: PolicyRule): boolean {
  if (!verbMatches(rule, attributes.verb)) return false;
  if (!attributes.resourceRequest) return nonResourceURLMatches(rule, attributes.path);
  const combined = attributes.subresource ? `${attributes.resource}/${attributes.subresource}` : attributes.resource;
  return apiGroupMatches(rule, attributes.apiGroup) && resourceMatches(rule, combined, attributes.subresource) && resourceNameMatches(rule, attributes.name);
}

function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.some((candidate) => candidate === ALL || candidate === verb);
}

function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((candidate) => candidate === ALL || candidate === group);
}

function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  return (rule.resources ?? []).some((candidate) => {
    if (candidate === ALL || candidate === combined) return true;
    // `*/scale` grants the scale subresource of every resource.
    return subresource !== '' && candidate === `*/${subresource}`;
  });
}

/**
 * A rule naming resources grants only requests naming one of them; a list, watch or create names
 * no object (its name is empty), so such a rule never grants it.
 */
function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some((candidate) => {
    if (candidate === ALL || candidate === path) return true;
    return candidate.endsWith('*') && path.startsWith(candidate.replace(/\*+$/, ''));
  });
}
