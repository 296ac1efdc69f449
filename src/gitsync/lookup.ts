import type { KubeObject, ObjectRef } from '../objects.js';
import { FerryError } from '../errors.js';
import { GITSYNC_API_VERSION, GITSYNC_KIND } from '../well-known.js';

/** The part of the Kubernetes gateway the GitSync verbs use (src/kube's KubeClient has it). */
export interface GitSyncClient {
  getOrNull(ref: ObjectRef): Promise<KubeObject | null>;
  mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject>;
}

export function gitSyncRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: GITSYNC_API_VERSION, kind: GITSYNC_KIND, namespace, name };
}

/** Reads one GitSync, with a clear message when it does not exist. */
export async function getGitSync(client: Pick<GitSyncClient, 'getOrNull'>, namespace: string, name: string): Promise<KubeObject> {
  const gitsync = await client.getOrNull(gitSyncRef(namespace, name));
  if (!gitsync) {
    throw new FerryError('CLI_GITSYNC_NOT_FOUND', `GitSync/${namespace}/${name} not found (list them with: ferry status -n ${namespace}, or -A for all namespaces)`);
  }
  return gitsync;
}
