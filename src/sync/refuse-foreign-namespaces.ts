import type { KubeObject } from '../objects.js';
import { formatRef, refOf } from '../objects.js';
import { SyncReason, type SyncOutcome } from './outcome.js';
import { finish, type ReconcileRun } from './run.js';
import { syncIdentity } from './tenancy-policy.js';

/**
 * The target-namespace step, after render and before any write: a GitSync that acts as the agent
 * itself (no service account to impersonate) writes only to its own namespace and to the
 * namespaces the agent's `--allowed-target-namespaces` lists — otherwise anyone who may create a
 * GitSync could write anywhere the agent can. An impersonating GitSync is bounded by its service
 * account's RBAC instead. Cluster-scoped objects name no namespace and are not concerned.
 */
export function refuseForeignNamespaces(run: ReconcileRun, revision: string, objects: readonly KubeObject[]): SyncOutcome | undefined {
  const policy = run.deps.tenancy;
  if (!policy || syncIdentity(run.settings, policy)) return undefined;
  const allowed = policy.allowedTargetNamespaces ?? [];
  if (allowed.includes('*')) return undefined;
  const own = run.settings.namespace;
  const outside = objects.filter((object) => object.metadata.namespace && object.metadata.namespace !== own && !allowed.includes(object.metadata.namespace));
  if (outside.length === 0) return undefined;
  const namespaces = [...new Set(outside.map((object) => object.metadata.namespace as string))].sort();
  const named = outside.slice(0, 5).map((object) => formatRef(refOf(object))).join(', ');
  return finish(run, {
    result: 'Failed',
    reason: SyncReason.TargetNamespaceRefused,
    revision,
    message: `GitSync/${own}/${run.settings.name}: ${named}${outside.length > 5 ? ` and ${outside.length - 5} more` : ''} would land in ${namespaces.join(', ')}, outside its namespace ${own}; nothing was written. Set spec.serviceAccountName (the service account's RBAC then decides), or list the namespace in the agent's --allowed-target-namespaces`,
  });
}
