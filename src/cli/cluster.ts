/**
 * How commands reach the cluster: one KubeClient built from the kubectl-style global flags (the
 * GitSync lookups live in src/gitsync, shared with `ferry ui`).
 */
import type { Command } from 'commander';
import { KubeClient } from '../kube/index.js';
import type { GlobalOptions } from './context.js';

export { GITSYNC_API_VERSION, GITSYNC_KIND } from '../well-known.js';
export { getGitSync, gitSyncRef } from '../gitsync/index.js';

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
