import { hostname } from 'node:os';
import type { Logger } from '../log/index.js';
import type { KubeClient } from '../kube/index.js';
import { GitSource } from '../source/index.js';
import type { TenancyPolicy } from '../sync/index.js';
import { Agent, type OutcomeListener } from './agent.js';
import { startHttpServer, type AgentHttpServer } from './http-server.js';
import { LeaderElector, leaderElectionTimings } from './leader.js';
import { AgentMetrics } from './metrics.js';
import { ShardMembership } from './shard-members.js';

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
  /**
   * `--shards auto`: split the GitSyncs over the live replicas (a member Lease each, rendezvous
   * hashing, a lock per GitSync) instead of electing one leader. Not together with `leaderElection`.
   */
  shards?: { namespace: string; identity?: string; leaseDurationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
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
  membership?: ShardMembership;
  /** Graceful shutdown: stop scheduling, let running syncs finish (or cancel after grace), release the lease. */
  shutdown(graceMs?: number): Promise<void>;
}

/** Wires the agent, its HTTP server and leader election together; what `ferry agent` runs. */
export async function runAgent(options: RunAgentOptions): Promise<RunningAgent> {
  const metrics = new AgentMetrics({ processMetrics: true });
  options.client.onRequest = metrics.recordKubeRequest;
  let membership: ShardMembership | undefined;
  let shuttingDown = false;
  let leaseClient: KubeClient | undefined;
  if (options.shards) {
    const { namespace, identity, ...timing } = options.shards;
    leaseClient = leaseClientFor(options.client, leaderElectionTimings(timing).renewDeadlineMs, options.logger);
    membership = new ShardMembership(
      leaseClient,
      { namespace, identity: identity ?? hostname(), ...timing },
      (members) => {
        if (shuttingDown) return;
        if (!members) return void agent.stepDown();
        agent.start();
        agent.reassign();
      },
      options.logger,
    );
  }
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
    ...(membership ? { shards: membership } : {}),
  });
  let elector: LeaderElector | undefined;
  if (membership) {
    membership.start();
  } else if (options.leaderElection) {
    const { namespace, identity, ...timing } = options.leaderElection;
    const timings = leaderElectionTimings(timing);
    leaseClient = leaseClientFor(options.client, timings.renewDeadlineMs, options.logger);
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
  const server = await startHttpServer({ agent, client: options.client, port: options.port, logger: options.logger, ...(elector ? { isLeader: () => elector!.isLeader } : {}), ...(membership ? { isLeader: () => membership!.members !== undefined } : {}) });
  options.logger.info({ port: server.port, namespace: options.namespace ?? '(all)', leaderElection: Boolean(elector), shards: membership ? 'auto' : 'off' }, 'ferry agent started');
  return {
    agent,
    server,
    ...(elector ? { elector } : {}),
    ...(membership ? { membership } : {}),
    async shutdown(graceMs = 30_000) {
      options.logger.info('shutting down');
      shuttingDown = true;
      await agent.stop(graceMs);
      await elector?.stop();
      await membership?.stop();
      await options.onShutdown?.();
      await server.close();
      options.client.close();
      leaseClient?.close();
    },
  };
}

/**
 * Leases on a connection of their own: renewals never wait behind sync traffic in the main
 * client's request queue. No retries of its own (the elector and the membership retry every
 * retry period) and a timeout that leaves room for a second attempt before the renew deadline.
 */
function leaseClientFor(client: KubeClient, renewDeadlineMs: number, logger: Logger): KubeClient {
  return client.isolated({ maxConcurrent: 2, retry: { maxRetries: 0 }, timeoutMs: Math.max(1000, Math.round(renewDeadlineMs / 2)), logger });
}
