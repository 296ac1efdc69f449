/**
 * Aggregated ClusterRoles (`aggregationRule.clusterRoleSelectors`): kube-controller-manager's
 * clusterrole-aggregation controller keeps such a role's `rules` equal to the rules of every
 * other ClusterRole its selectors match — selector by selector, matching roles by name, each rule
 * once. This is how `admin`, `edit` and `view` get their rules, and how a CRD's roles labelled
 * `rbac.authorization.k8s.io/aggregate-to-edit: "true"` join them.
 */
import { isDeepStrictEqual } from 'node:util';
import { labelSelectorMatches } from '../selectors.js';
import type { PolicyRule } from './rules.js';

type Obj = Record<string, any>;

/** The field manager the controller writes with. */
export const AGGREGATION_CONTROLLER = 'clusterrole-aggregation-controller';

/** The rules `role` aggregates from `clusterRoles`; undefined for a role without an aggregation rule. */
export function aggregatedRules(role: Obj, clusterRoles: Obj[]): PolicyRule[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors as Obj[] | undefined;
  if (!selectors) return undefined;
  const rules: PolicyRule[] = [];
  const byName = [...clusterRoles].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  for (const selector of selectors) {
    for (const candidate of byName) {
      if (candidate.metadata.name === role.metadata.name || !labelSelectorMatches(selector, candidate.metadata.labels)) continue;
      for (const rule of (candidate.rules ?? []) as PolicyRule[]) {
        if (!rules.some((known) => sameRule(known, rule))) rules.push(rule);
      }
    }
  }
  return rules;
}

/** Equal as Go's semantic equality sees them: an empty list is no list. */
export function sameRule(a: PolicyRule, b: PolicyRule): boolean {
  return isDeepStrictEqual(normalized(a), normalized(b));
}

function normalized(rule: PolicyRule): Obj {
  return Object.fromEntries(Object.entries(rule).filter(([, value]) => !(Array.isArray(value) && value.length === 0)));
}
