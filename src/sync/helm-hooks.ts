import type { KubeObject } from '../objects.js';
import { formatRef, objectKey, refOf } from '../objects.js';
import { describeError } from '../errors.js';
import { NotFoundError } from '../kube/index.js';
import type { ChangeEntry } from '../apply/index.js';
import type { HealthSnapshot } from '../health/index.js';
import { helmHookOf } from '../render/index.js';
import type { ReconcileRun } from './run.js';

/**
 * The objects whose live state a drift check compares: everything but Helm hooks. A hook runs
 * once for a release (a migration Job, perhaps deleted by its `hook-succeeded` policy since); it
 * is not state to keep, so a missing or finished hook is not drift and is never re-run by
 * self-heal, as Argo CD leaves hooks out of a sync's status.
 */
export function withoutHooks(objects: readonly KubeObject[]): KubeObject[] {
  return objects.filter((object) => helmHookOf(object)?.action !== 'run');
}

/**
 * Helm's delete policies once a revision is through: `hook-succeeded` hooks are deleted when the
 * revision became healthy, `hook-failed` hooks that did not succeed when it failed. What cannot be
 * deleted is logged and reported, never turned into a failure of the revision.
 */
export async function deleteFinishedHooks(run: ReconcileRun, objects: readonly KubeObject[], outcome: 'succeeded' | 'failed', health?: HealthSnapshot): Promise<ChangeEntry[]> {
  const healthy = new Set((health?.results ?? []).filter((result) => result.health.status === 'Healthy').map((result) => objectKey(result.ref)));
  const entries: ChangeEntry[] = [];
  for (const object of objects) {
    const hook = helmHookOf(object);
    if (hook?.action !== 'run') continue;
    const policy = outcome === 'succeeded' ? 'hook-succeeded' : 'hook-failed';
    if (!hook.deletePolicies.includes(policy) || (outcome === 'failed' && healthy.has(objectKey(refOf(object))))) continue;
    const ref = refOf(object);
    try {
      await run.deps.client.delete(ref, { propagationPolicy: 'Background' });
      entries.push({ ref, action: 'deleted', message: `Helm hook deleted (helm.sh/hook-delete-policy: ${policy})` });
    } catch (error) {
      if (error instanceof NotFoundError) continue;
      run.logger.warn({ object: formatRef(ref), err: describeError(error) }, 'could not delete a finished Helm hook');
      entries.push({ ref, action: 'failed', message: `Helm hook not deleted (${policy}): ${describeError(error)}` });
    }
  }
  return entries;
}
