import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { runAgent, type RunningAgent } from '../../src/agent/index.js';
import { KubeClient } from '../../src/kube/index.js';
import { silentLogger, type Logger } from '../../src/log/index.js';
import type { TenancyPolicy } from '../../src/sync/index.js';
import type { KubeObject } from '../../src/objects.js';
import { createNotifications, type Notifications } from '../../src/notify/index.js';
import { startTestCluster, type TestCluster } from '../support/cluster.js';
import { startGitServer, type GitServer } from '../support/git-server.js';

const MANIFESTS = fileURLToPath(new URL('../../manifests/', import.meta.url));

/** The install's CRD, rendered the way a user installs it. */
export function gitSyncCrd(): KubeObject {
  const documents = parseAllDocuments(execFileSync('kubectl', ['kustomize', MANIFESTS], { encoding: 'utf8' })).map((d) => d.toJS() as KubeObject);
  return documents.find((d) => d.kind === 'CustomResourceDefinition') as KubeObject;
}

export interface Bed {
  cluster: TestCluster;
  git: GitServer;
  cacheRoot: string;
  /** `client` is the agent's own KubeClient (its request stats tell what the agent sent). */
  startAgent(options?: { tenancy?: TenancyPolicy; namespace?: string; identity?: string; leaderElection?: boolean; shards?: { leaseDurationMs: number }; kubeconfig?: string; logger?: Logger; notifications?: Notifications; resyncMs?: number; failureBackoffMs?: number; maxConcurrent?: number; watchManagedObjects?: boolean; concurrency?: number }): Promise<RunningAgent & { client: KubeClient }>;
  client: KubeClient;
  stop(): Promise<void>;
}

/**
 * `tls`: serve the simulator over HTTPS, so kubectl (which sends tokens only over TLS) can talk to it.
 * `slowRollouts`: a broken Deployment stays Progressing for its progressDeadlineSeconds (600 s by
 * default) instead of failing after 400 ms.
 */
export async function startBed(options: { tls?: boolean; slowRollouts?: boolean } = {}): Promise<Bed> {
  const cluster = await startTestCluster({ controllerDelayMs: 20, crdEstablishDelayMs: 20, ...(options.slowRollouts ? {} : { progressDeadlineMs: 400 }), ...(options.tls ? { tls: true } : {}) });
  const git = await startGitServer();
  const cacheRoot = mkdtempSync(join(tmpdir(), 'ferry-agent-'));
  const client = cluster.client;
  const crd = gitSyncCrd();
  if (!(await client.getOrNull({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name }))) await client.create(crd);
  const agents: RunningAgent[] = [];
  for (let i = 0; i < 100 && !(await client.resourceFor('ferry.dev/v1alpha1', 'GitSync').catch(() => undefined)); i++) await new Promise((r) => setTimeout(r, 20));
  return {
    cluster,
    git,
    cacheRoot,
    client,
    async startAgent(options = {}) {
      const agentClient = KubeClient.fromConfig({ kubeconfig: options.kubeconfig ?? cluster.kubeconfigPath, retry: { baseDelayMs: 20, maxDelayMs: 200, maxRetries: 3 }, ...(options.maxConcurrent ? { maxConcurrent: options.maxConcurrent } : {}) });
      const running = await runAgent({
        client: agentClient,
        logger: options.logger ?? silentLogger(),
        cacheDir: join(cacheRoot, options.identity ?? 'agent'),
        port: 0,
        concurrency: options.concurrency ?? 4,
        resyncMs: options.resyncMs ?? 100,
        ...(options.failureBackoffMs ? { failureBackoffMs: options.failureBackoffMs } : {}),
        ...(options.watchManagedObjects === false ? { watchManagedObjects: false } : {}),
        // The test Git and chart servers speak plain HTTP on 127.0.0.1.
        tenancy: options.tenancy ?? { allowInsecureHttp: true },
        ...(options.namespace ? { namespace: options.namespace } : {}),
        ...(options.shards ? { shards: { namespace: 'default', identity: options.identity ?? 'agent', ...options.shards } } : {}),
        ...(options.leaderElection ? { leaderElection: { namespace: 'default', identity: options.identity ?? 'agent', leaseDurationMs: 1000 } } : {}),
        ...(options.notifications ? { onOutcome: options.notifications.onOutcome, onShutdown: () => options.notifications!.close() } : {}),
      });
      agents.push(running);
      return { ...running, client: agentClient };
    },
    async stop() {
      for (const agent of agents) await agent.shutdown(1000).catch(() => undefined);
      await git.stop();
      await cluster.stop();
      rmSync(cacheRoot, { recursive: true, force: true });
    },
  };
}

export function notificationsFor(bed: Bed, options: Partial<Parameters<typeof createNotifications>[0]> = {}): Notifications {
  return createNotifications({ client: bed.client, logger: silentLogger(), clusterName: 'test-cluster', namespace: 'default', notifier: { batchWindowMs: 20, delivery: { baseDelayMs: 10, maxDelayMs: 50, maxAttempts: 3, timeoutMs: 1000 } }, ...options });
}

export const configMap = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;
export const deployment = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: "${image}"}]\n`;

export function gitSync(namespace: string, name: string, url: string, spec: Record<string, unknown> = {}, annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'ferry.dev/v1alpha1',
    kind: 'GitSync',
    metadata: { name, namespace, annotations },
    spec: { source: { url, interval: '300ms', path: 'deploy' }, targetNamespace: namespace, health: { timeout: '3s' }, ...spec },
  } as KubeObject;
}

export function conditionOf(object: KubeObject | null, type: string): { status: string; reason: string; message: string } | undefined {
  const conditions = ((object?.status as { conditions?: Array<{ type: string; status: string; reason: string; message: string }> } | undefined)?.conditions ?? []);
  return conditions.find((c) => c.type === type);
}
