import { hostname } from 'node:os';
import type { Logger } from '../log/index.js';
import type { KubeClient } from '../kube/index.js';
import { GitSource } from '../source/index.js';
import type { TenancyPolicy } from '../sync/index.js';
import { Agent, type OutcomeListener } from './agent.js';
import { startHttpServer, type AgentHttpServer } from './http-server.js';
import { LeaderElector, leaderElectionTimings } from './leader.js';
import { AgentMetrics } from './metrics.js';

export interface RunAgentOptions {
  client: KubeClient;
  logger: Logger;
  cacheDir: string;
  namespace?: string;
  port: number;
  concurrency: number;
  resyncMs?: number;
  /** Base of the failure backoff (default 10 s). */
  failureBackoffMs?: number;
  leaderElection?: { namespace: string; identity?: string; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  onOutcome?: OutcomeListener;
  /** Called when shutting down (flush notifications …). */
  onShutdown?: () => Promise<void>;
  /** Watch managed objects so hand edits are corrected within seconds (default true). */
  watchManagedObjects?: boolean;
  /** Multi-tenancy rules: the `--default-service-account`, `--no-cross-namespace-refs` … flags. */
  tenancy?: TenancyPolicy;
}

export interface RunningAgent {
  agent: Agent;
  server: AgentHttpServer;
  elector?: LeaderElector;
  /** Graceful shutdown: stop scheduling, let running syncs finish (or cancel after grace), release the lease. */
  shutdown(graceMs?: number): Promise<void>;
}

/** Wires the agent, its HTTP server and leader election together; what `ferry agent` runs. */
export async function runAgent(options: RunAgentOptions): Promise<RunningAgent> {
  const metrics = new AgentMetrics({ processMetrics: true });
  options.client.onRequest = metrics.recordKubeRequest;
  const agent = new Agent({
    client: options.client,
    git: new GitSource({ cacheDir: options.cacheDir, logger: options.logger }),
    logger: options.logger,
    concurrency: options.concurrency,
    metrics,
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...(options.resyncMs ? { resyncMs: options.resyncMs } : {}),
    ...(options.failureBackoffMs ? { failureBackoffMs: options.failureBackoffMs } : {}),
    ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
    ...(options.watchManagedObjects === false ? { watchManagedObjects: false } : {}),
    ...(options.tenancy ? { tenancy: options.tenancy } : {}),
  });
  let elector: LeaderElector | undefined;
  let leaseClient: KubeClient | undefined;
  if (options.leaderElection) {
    const { namespace, identity, ...timing } = options.leaderElection;
    const timings = leaderElectionTimings(timing);
    // The Lease on a connection of its own: renewals never wait behind sync traffic in the
    // main client's request queue. No retries of its own (the elector retries every retry
    // period) and a timeout that leaves room for a second attempt before the renew deadline.
    leaseClient = options.client.isolated({ maxConcurrent: 2, retry: { maxRetries: 0 }, timeoutMs: Math.max(1000, Math.round(timings.renewDeadlineMs / 2)), logger: options.logger });
    elector = new LeaderElector(
      leaseClient,
      { namespace, identity: identity ?? hostname(), ...timings },
      (leader) => {
        if (leader) agent.start();
        else void agent.stepDown();
      },
      options.logger,
    );
    elector.start();
  } else {
    agent.start();
  }
  const server = await startHttpServer({ agent, client: options.client, port: options.port, logger: options.logger, ...(elector ? { isLeader: () => elector!.isLeader } : {}) });
  options.logger.info({ port: server.port, namespace: options.namespace ?? '(all)', leaderElection: Boolean(elector) }, 'ferry agent started');
  return {
    agent,
    server,
    ...(elector ? { elector } : {}),
    async shutdown(graceMs = 30_000) {
      options.logger.info('shutting down');
      await agent.stop(graceMs);
      await elector?.stop();
      await options.onShutdown?.();
      await server.close();
      options.client.close();
      leaseClient?.close();
    },
  };
}
