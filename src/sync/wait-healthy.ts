import type { KubeObject } from '../objects.js';
import { refOf } from '../objects.js';
import { waitForHealth, type WaitResult } from '../health/index.js';
import { SYNC_LABEL } from '../apply/index.js';
import type { ReconcileRun } from './run.js';

/** The health step: waits for every object, listing each kind once per poll, narrowed by the sync label. */
export function waitHealthy(run: ReconcileRun, objects: KubeObject[]): Promise<WaitResult> {
  const { settings, deps, options, sync, emit } = run;
  return waitForHealth(deps.client, objects.map(refOf), {
    timeoutMs: settings.healthTimeoutMs,
    intervalMs: options.pollIntervalMs ?? 2000,
    labelSelector: `${SYNC_LABEL}=${sync}`,
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: (snapshot) => emit({ type: 'health', snapshot }),
  });
}
