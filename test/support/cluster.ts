/**
 * The cluster an integration test runs against: the API simulator by default, or the real
 * cluster named by FERRY_TEST_KUBECONFIG. Each test works in namespaces it creates, so tests
 * never collide and a real cluster is left as it was.
 */
import { randomBytes } from 'node:crypto';
import { KubeClient } from '../../src/kube/index.js';
import { startKubeSim, type KubeSim, type KubeSimOptions } from './kube-sim/index.js';

export interface TestCluster {
  kubeconfigPath: string;
  sim?: KubeSim;
  isReal: boolean;
  client: KubeClient;
  /** Creates a fresh namespace (deleted again by stop() on a real cluster). */
  newNamespace(prefix?: string): Promise<string>;
  stop(): Promise<void>;
}

const realKubeconfig = process.env.FERRY_TEST_KUBECONFIG;

/** For tests that need simulator-only powers: fault injection and request counts. */
export const simOnly = {
  skip: Boolean(realKubeconfig),
  reason: 'needs the API simulator (fault injection or request counts); skipped against a real cluster',
};

export async function startTestCluster(options: KubeSimOptions = {}): Promise<TestCluster> {
  const sim = realKubeconfig ? undefined : await startKubeSim(options);
  const kubeconfigPath = realKubeconfig ?? (sim as KubeSim).kubeconfigPath;
  const client = KubeClient.fromConfig({ kubeconfig: kubeconfigPath, retry: { baseDelayMs: 20, maxDelayMs: 200 } });
  const created: string[] = [];
  return {
    kubeconfigPath,
    ...(sim ? { sim } : {}),
    isReal: !sim,
    client,
    async newNamespace(prefix = 'test') {
      const name = `${prefix}-${randomBytes(4).toString('hex')}`;
      await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'ferry.dev/test': 'true' } } });
      created.push(name);
      return name;
    },
    async stop() {
      if (!sim) {
        for (const name of created) await client.delete({ apiVersion: 'v1', kind: 'Namespace', name }).catch(() => undefined);
      }
      client.close();
      await sim?.stop();
    },
  };
}

/** Polls `check` until it returns a truthy value (or stops throwing), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 20_000, intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw lastError instanceof Error ? lastError : new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
