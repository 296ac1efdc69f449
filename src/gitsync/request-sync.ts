import { REQUESTED_AT_ANNOTATION } from '../well-known.js';
import { getGitSync, gitSyncRef, type GitSyncClient } from './lookup.js';

/**
 * Asks the agent to reconcile a GitSync now (`ferry sync`, the UI's "Sync now"): records the
 * time in `ferry.dev/requested-at`, which the agent echoes in `status.lastHandledRequestedAt`
 * once it has handled the request. Resolves to that time, to wait for the echo.
 */
export async function requestSync(client: GitSyncClient, namespace: string, name: string, now: Date = new Date()): Promise<string> {
  // A clear NotFound first: a merge patch of a missing object would say less.
  await getGitSync(client, namespace, name);
  const requestedAt = now.toISOString();
  await client.mergePatch(gitSyncRef(namespace, name), { metadata: { annotations: { [REQUESTED_AT_ANNOTATION]: requestedAt } } });
  return requestedAt;
}
