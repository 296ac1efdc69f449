/**
 * How commands reach the cluster and find GitSyncs: one KubeClient built from the kubectl-style
 * global flags, and GitSync lookups that fail with a message saying what to do.
 */
import type { Command } from 'commander';
import { KubeClient } from '../kube/index.js';
import type { KubeObject, ObjectRef } from '../objects.js';
import { FerryError } from '../errors.js';
import { GITSYNC_API_VERSION, GITSYNC_KIND } from '../well-known.js';
import type { GlobalOptions } from './context.js';

export { GITSYNC_API_VERSION, GITSYNC_KIND } from '../well-known.js';

/** The global flags of the command tree, wherever on the command line they were given. */
export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

export function connect(options: GlobalOptions): KubeClient {
  return KubeClient.fromConfig({
    ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
    ...(options.context ? { context: options.context } : {}),
  });
}

/** The namespace a command works in: `-n`, else the kubeconfig context's namespace. */
export function namespaceOf(options: GlobalOptions, client: KubeClient): string {
  return options.namespace ?? client.currentNamespace;
}

export function gitSyncRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: GITSYNC_API_VERSION, kind: GITSYNC_KIND, namespace, name };
}

/** Reads one GitSync, with a clear message when it does not exist. */
export async function getGitSync(client: KubeClient, namespace: string, name: string): Promise<KubeObject> {
  const gitsync = await client.getOrNull(gitSyncRef(namespace, name));
  if (!gitsync) {
    throw new FerryError('CLI_GITSYNC_NOT_FOUND', `GitSync/${namespace}/${name} not found (list them with: ferry status -n ${namespace}, or -A for all namespaces)`);
  }
  return gitsync;
}
