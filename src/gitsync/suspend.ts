import { ROLLBACK_TO_ANNOTATION } from '../well-known.js';
import { getGitSync, gitSyncRef, type GitSyncClient } from './lookup.js';

/** Stops reconciling a GitSync: nothing is applied or corrected until it is resumed. */
export async function suspendGitSync(client: GitSyncClient, namespace: string, name: string): Promise<void> {
  await patchExisting(client, namespace, name, { spec: { suspend: true } });
}

/**
 * Resumes a suspended GitSync and releases a rollback pin: the agent follows Git again. One
 * verb for both, because either way the user says "follow Git again".
 */
export async function resumeGitSync(client: GitSyncClient, namespace: string, name: string): Promise<void> {
  await patchExisting(client, namespace, name, { spec: { suspend: false }, metadata: { annotations: { [ROLLBACK_TO_ANNOTATION]: null } } });
}

async function patchExisting(client: GitSyncClient, namespace: string, name: string, patch: Record<string, unknown>): Promise<void> {
  // A clear NotFound first: a merge patch of a missing object would say less.
  await getGitSync(client, namespace, name);
  await client.mergePatch(gitSyncRef(namespace, name), patch);
}
