import type { ObjectRef } from '../objects.js';
import type { FerryError } from '../errors.js';
import { waitForHealth } from '../health/index.js';
import { DEFAULT_DEPENDENCY_TIMEOUT_MS, DEFAULT_POLL_INTERVAL_MS, type ApplyClient, type ApplyRequest } from './apply-request.js';
import type { ApplyEvent } from './changeset.js';
import { ApplyError } from './errors.js';

/** Waits until what a layer depends on is ready; an error when it does not become so in time. */
export async function waitForDependencies(
  client: ApplyClient,
  refs: ObjectRef[],
  layer: number,
  request: ApplyRequest,
  emit: (event: ApplyEvent) => void,
): Promise<FerryError | undefined> {
  if (refs.length === 0) return undefined;
  emit({ type: 'waiting', layer, refs });
  const result = await waitForHealth(client, refs, {
    timeoutMs: request.dependencyTimeoutMs ?? DEFAULT_DEPENDENCY_TIMEOUT_MS,
    intervalMs: request.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    ...(request.signal ? { signal: request.signal } : {}),
  });
  if (result.healthy) return undefined;
  if (result.cancelled) return new ApplyError('APPLY_CANCELLED', `layer ${layer + 1} not applied: the sync was cancelled`, { details: { layer } });
  return new ApplyError(
    'APPLY_DEPENDENCY_NOT_READY',
    `layer ${layer + 1} depends on objects that did not become ready${result.timedOut ? ' in time' : ''}: ${result.overall.message}`,
    { details: { layer, refs } },
  );
}
