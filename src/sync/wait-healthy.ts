import type { KubeObject } from '../objects.js';
import { refOf } from '../objects.js';
import { waitForHealth, type WaitResult } from '../health/index.js';
import { SYNC_LABEL } from '../apply/index.js';
import type { ReconcileRun } from './run.js';

/**
 * The health step: waits for every object, listing each kind once per poll, narrowed by the sync
 * label. A wait not over at its first look waits outside the run's place (the agent's
 * concurrency), and has it back before the reconcile goes on.
 */
export async function waitHealthy(run: ReconcileRun, objects: KubeObject[]): Promise<WaitResult> {
  const { settings, deps, options, sync, emit } = run;
  try {
    return await waitForHealth(deps.client, objects.map(refOf), {
      timeoutMs: settings.healthTimeoutMs,
      intervalMs: options.pollIntervalMs ?? 2000,
      labelSelector: `${SYNC_LABEL}=${sync}`,
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (snapshot) => {
        emit({ type: 'health', snapshot });
        // Not over at this look: the polls that follow only read, outside the place.
        if (snapshot.results.some((result) => result.health.status !== 'Healthy')) options.place?.leave();
      },
    });
  } finally {
    await options.place?.back();
  }
}
