import { hostname } from 'node:os';
import type { Logger } from '../log/index.js';
import type { KubeClient } from '../kube/index.js';
import { GitSource } from '../source/index.js';
import { Agent, type OutcomeListener } from './agent.js';
import { startHttpServer, type AgentHttpServer } from './http-server.js';
import { LeaderElector } from './leader.js';
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
  leaderElection?: { namespace: string; identity?: string; leaseDurationMs?: number };
  onOutcome?: OutcomeListener;
  /** Called when shutting down (flush notifications …). */
  onShutdown?: () => Promise<void>;
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
  });
  let elector: LeaderElector | undefined;
  if (options.leaderElection) {
    elector = new LeaderElector(
      options.client,
      { namespace: options.leaderElection.namespace, identity: options.leaderElection.identity ?? hostname(), ...(options.leaderElection.leaseDurationMs ? { leaseDurationMs: options.leaderElection.leaseDurationMs } : {}) },
      (leader) => {
        if (leader) agent.start();
        else void agent.stop(0);
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
    },
  };
}
