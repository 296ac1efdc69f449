import { serviceAccountIdentity, type Identity } from '../kube/index.js';
import type { SchemeAllowance } from './source-schemes.js';

/**
 * The agent's multi-tenancy rules (its flags), the same for every GitSync it syncs. Without a
 * policy (the CLI, acting as its user) none of them apply.
 */
export interface TenancyPolicy extends SchemeAllowance {
  /**
   * `--default-service-account`: GitSyncs that name no `spec.serviceAccountName` act as this
   * service account of their own namespace, so impersonation is never skipped (Flux's flag).
   */
  defaultServiceAccount?: string;
  /** `--no-cross-namespace-refs`: Secrets and ConfigMaps only from the GitSync's own namespace. */
  noCrossNamespaceRefs?: boolean;
  /** `--allow-cluster-adoption`: `ferry.dev/adopt` may take over cluster-scoped objects. */
  allowClusterAdoption?: boolean;
  /**
   * `--allowed-target-namespaces`: namespaces besides its own that a GitSync acting as the agent
   * itself (no service account) may write to; `*` is any. Impersonating GitSyncs are bounded by
   * their service account's RBAC instead.
   */
  allowedTargetNamespaces?: readonly string[];
}

/**
 * Who a GitSync's calls are made as: its `spec.serviceAccountName`, else the agent's default
 * service account, in the GitSync's namespace; undefined means the agent's own identity.
 */
export function syncIdentity(settings: { namespace: string; serviceAccountName?: string }, policy: TenancyPolicy | undefined): Identity | undefined {
  const name = settings.serviceAccountName ?? policy?.defaultServiceAccount;
  return name ? serviceAccountIdentity(settings.namespace, name) : undefined;
}
