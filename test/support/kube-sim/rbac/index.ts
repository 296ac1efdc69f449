/**
 * Authentication and authorization as kube-apiserver does them with RBAC, for the simulator's
 * request path: who a request is (bearer token, impersonation headers), whether that user may do
 * what the request asks (Roles, ClusterRoles and their bindings in the simulator's own store),
 * and whether a write of an RBAC object would grant more than its writer holds. The evaluation
 * is pure (attributes, rules, resolve, authorize, impersonate, escalation); this module wires it
 * to the store and turns refusals into the server's answers.
 */
import type { Store } from '../store.js';
import { ApiFailure, fail } from '../status.js';
import { requestAttributes, type RequestAttributes, type ResourceAttributes } from './attributes.js';
import { aggregatedRules, sameRule } from './aggregation.js';
import { Authenticator } from './authenticate.js';
import { authorize, type Decision } from './authorize.js';
import { forbidden } from './forbidden.js';
import type { UserInfo } from './identity.js';
import { impersonate } from './impersonate.js';
import type { PolicySource } from './resolve.js';
import type { PolicyRule } from './rules.js';
import { checkRbacWrite, type RbacWrite } from './storage-policy.js';

export { requestAttributes, type RequestAttributes, type ResourceAttributes } from './attributes.js';
export { AGGREGATION_CONTROLLER } from './aggregation.js';
export { bootstrapPolicy } from './bootstrap.js';
export { ALL_AUTHENTICATED, ANONYMOUS, SYSTEM_MASTERS, serviceAccountIdentity, serviceAccountUser, type UserInfo } from './identity.js';
export type { PolicyRule } from './rules.js';
export type { RbacWrite } from './storage-policy.js';

type Obj = Record<string, any>;

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const resource = (plural: string) => ({ group: RBAC_GROUP, plural });

export interface RbacOptions {
  /** Whether a request without credentials is `system:anonymous` (the API server's default) or refused with 401. */
  anonymous: boolean;
  /** Whether `Impersonate-Uid` is understood (Kubernetes 1.22+). */
  impersonateUid: boolean;
  /**
   * Requests refused whatever RBAC says, even for `system:masters` — the simulator's blunt
   * `forbidden` option, as a deny-capable authorizer in front of RBAC would refuse them.
   */
  denied: (attributes: ResourceAttributes) => boolean;
}

export class Rbac {
  readonly authenticator: Authenticator;
  readonly policy: PolicySource;

  constructor(
    private readonly store: Store,
    private readonly options: RbacOptions,
  ) {
    this.policy = {
      clusterRoleBindings: () => store.list(resource('clusterrolebindings')),
      roleBindings: (namespace) => store.list(resource('rolebindings'), namespace),
      role: (namespace, name) => store.get(resource('roles'), namespace, name),
      clusterRole: (name) => store.get(resource('clusterroles'), undefined, name),
    };
    this.authenticator = new Authenticator((namespace, name) => store.get({ group: '', plural: 'serviceaccounts' }, namespace, name), options.anonymous);
  }

  authorize(user: UserInfo, attributes: RequestAttributes): Decision {
    if (attributes.resourceRequest && this.options.denied(attributes)) return { allowed: false, reason: '' };
    return authorize(this.policy, user, attributes);
  }

  /**
   * The user a request acts as: its credentials' user, or the one it impersonates. Throws the
   * server's answer: 401 for credentials nobody issued, 403 for an impersonation the caller may
   * not make, 500 for impersonation headers without `Impersonate-User`.
   */
  identify(authorization: string | undefined, rawHeaders: string[], requestUri: string): UserInfo {
    const caller = this.authenticator.authenticate(authorization);
    if (!caller) throw fail.unauthorized();
    const outcome = impersonate(caller, rawHeaders, (user, attributes) => this.authorize(user, attributes), { uid: this.options.impersonateUid });
    switch (outcome.kind) {
      case 'none':
        return caller;
      case 'impersonated':
        return outcome.user;
      case 'denied':
        throw forbidden(caller, outcome.attributes, outcome.reason);
      case 'invalid':
        // The filter answers with a plain-text internal error, its message unescaped but for HTML.
        throw new ApiFailure(500, `Internal Server Error: ${JSON.stringify(requestUri)}: ${outcome.message}`.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;') + '\n');
    }
  }

  /** Throws the 403 for a request `user` may not make. */
  require(user: UserInfo, method: string, pathname: string, params: URLSearchParams): RequestAttributes {
    const attributes = requestAttributes(method, pathname, params);
    const decision = this.authorize(user, attributes);
    if (!decision.allowed) throw forbidden(user, attributes, decision.reason);
    return attributes;
  }

  /** RBAC's storage check on a role or binding write (a no-op for every other resource). */
  checkWrite(write: RbacWrite): void {
    checkRbacWrite(write, this.policy, (user, attributes) => this.authorize(user, attributes));
  }

  /**
   * Runs the clusterrole-aggregation controller: after every change of a ClusterRole, each
   * aggregated role whose rules no longer match gets them through `writeRules`.
   */
  startAggregation(writeRules: (role: Obj, rules: PolicyRule[]) => void): () => void {
    const sync = () => {
      const roles = this.store.list(resource('clusterroles'));
      for (const role of roles) {
        const rules = aggregatedRules(role, roles);
        const current = (role.rules ?? []) as PolicyRule[];
        if (rules && (rules.length !== current.length || rules.some((rule, i) => !sameRule(rule, current[i] as PolicyRule)))) writeRules(role, rules);
      }
    };
    sync();
    return this.store.subscribe((event) => {
      if (event.resource.group === RBAC_GROUP && event.resource.plural === 'clusterroles') sync();
    });
  }
}
