import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeConfigError } from './errors.js';

export interface KubeConfigOptions {
  /** A kubeconfig path (`--kubeconfig`); else $KUBECONFIG (merged as kubectl does), else ~/.kube/config. */
  kubeconfig?: string;
  /** The context to use (`--context`); else the kubeconfig's current context. */
  context?: string;
  /** Use the pod's service account (the agent in a cluster). */
  inCluster?: boolean;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Loads the configuration the way kubectl finds it. When no kubeconfig exists at all but the
 * process runs in a pod, the service account is used, so the agent needs no flags in-cluster.
 */
export function loadKubeConfig(options: KubeConfigOptions = {}, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const config = new KubeConfig();
  const explicit = options.kubeconfig;
  const fromEnv = env.KUBECONFIG?.split(delimiter).filter(Boolean) ?? [];
  const defaultPath = join(env.HOME ?? homedir(), '.kube', 'config');
  try {
    if (options.inCluster) {
      config.loadFromCluster();
    } else if (explicit) {
      if (!existsSync(explicit)) throw new KubeConfigError('KUBE_CONFIG', `kubeconfig ${explicit} does not exist`);
      config.loadFromFile(explicit);
    } else if (fromEnv.length > 0) {
      const present = fromEnv.filter((file) => existsSync(file));
      if (present.length === 0) throw new KubeConfigError('KUBE_CONFIG', `no file of KUBECONFIG=${env.KUBECONFIG} exists`);
      // The first file's current context wins, as with kubectl.
      config.loadFromFile(present[0] as string);
      for (const file of present.slice(1)) {
        const other = new KubeConfig();
        other.loadFromFile(file);
        config.mergeConfig(other, true);
      }
    } else if (existsSync(defaultPath)) {
      config.loadFromFile(defaultPath);
    } else if (env.KUBERNETES_SERVICE_HOST && existsSync(join(SERVICE_ACCOUNT_DIR, 'token'))) {
      config.loadFromCluster();
    } else {
      throw new KubeConfigError(
        'KUBE_CONFIG',
        `no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or create ${defaultPath}`,
      );
    }
  } catch (error) {
    if (error instanceof KubeConfigError) throw error;
    throw new KubeConfigError('KUBE_CONFIG', `cannot read kubeconfig${explicit ? ` ${explicit}` : ''}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (options.context) {
    if (!config.getContextObject(options.context)) {
      const available = config.getContexts().map((c) => c.name);
      throw new KubeConfigError(
        'KUBE_CONFIG',
        `context "${options.context}" not found in the kubeconfig (available: ${available.join(', ') || 'none'})`,
      );
    }
    config.setCurrentContext(options.context);
  }
  if (!config.getCurrentCluster()) {
    throw new KubeConfigError('KUBE_CONFIG', `the kubeconfig context "${config.getCurrentContext() || '(none)'}" names no cluster; pick one with --context`);
  }
  return config;
}

/** The namespace of the current context, or of the pod's service account, else `default`. */
export function contextNamespace(config: KubeConfig): string {
  const context = config.getContextObject(config.getCurrentContext());
  return context?.namespace || 'default';
}
