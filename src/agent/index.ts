/**
 * The in-cluster daemon: watches GitSyncs and schedules reconciles (interval, cron, spec
 * changes, `ferry sync`, webhooks, changes to managed objects), writes status and events, prunes
 * a deleted GitSync's objects (its finalizer), serves /healthz /readyz /metrics and push
 * webhooks, elects one leader with a Lease as client-go does, and shuts down gracefully. Sync
 * logic lives in src/sync.
 */
export { Agent, GITSYNC_API_VERSION, REQUESTED_AT_ANNOTATION, ROLLBACK_TO_ANNOTATION, type AgentOptions, type OutcomeListener } from './agent.js';
export { startHttpServer, WEBHOOK_SECRET_ANNOTATION, type AgentHttpServer } from './http-server.js';
export { LeaderElector, LeaderElectionConfigError, leaderElectionTimings, type LeaderElectionOptions } from './leader.js';
export { AgentMetrics } from './metrics.js';
export { statusFromOutcome, statusChanged, type GitSyncStatus, type Condition } from './status.js';
export { verifyWebhook, type WebhookVerdict } from './webhook.js';
export { nextIntervalRun, nextCronRun, failureBackoff } from './schedule.js';
export { runAgent, type RunAgentOptions, type RunningAgent } from './run.js';
