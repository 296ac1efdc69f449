import { Option, type Command } from 'commander';
import { runAgent } from '../../agent/index.js';
import { createLogger, type LogFormat } from '../../log/index.js';
import { parseDuration, type TenancyPolicy } from '../../sync/index.js';
import { connect, globalOptions } from '../cluster.js';
import type { CliIO } from '../context.js';
import { cacheDir } from '../source-arg.js';
import { createNotifications } from '../../notify/index.js';
import { wholeNumberFlag } from '../flags.js';
import { FerryError } from '../../errors.js';

interface AgentFlags {
  port: number;
  cacheDir?: string;
  concurrency: number;
  clusterName?: string;
  leaderElect?: boolean;
  leaderElectionNamespace?: string;
  leaderElectLeaseDuration: string;
  leaderElectRenewDeadline: string;
  leaderElectRetryPeriod: string;
  shards?: string;
  shardLeaseDuration: string;
  shardRenewDeadline: string;
  shardRetryPeriod: string;
  resync: string;
  logFormat: LogFormat;
  shutdownGrace: string;
  alertReminder: string;
  alertQuietPeriod: string;
  alertRateLimit: number;
  defaultServiceAccount?: string;
  /** commander's name for --no-cross-namespace-refs (false when given). */
  crossNamespaceRefs: boolean;
  allowClusterAdoption?: boolean;
  allowedTargetNamespaces?: string;
  allowInsecureHttp?: boolean;
}

export function registerAgent(program: Command, io: CliIO): void {
  program
    .command('agent')
    .description('run the in-cluster agent: watch GitSyncs and keep the cluster in sync with Git')
    .option('--port <port>', 'HTTP port for /healthz, /readyz, /metrics and /hooks', wholeNumberFlag('--port', { min: 0, max: 65535 }), 8080)
    .option('--cache-dir <dir>', 'where Git repositories are cached (default: $FERRY_CACHE_DIR or ~/.cache/ferry)')
    .option('--concurrency <n>', 'GitSyncs synced at once', wholeNumberFlag('--concurrency'), 4)
    .option('--cluster-name <name>', 'the cluster name shown in alerts (default: $FERRY_CLUSTER_NAME)')
    .option('--leader-elect', 'elect one active replica with a coordination Lease')
    .option('--leader-election-namespace <ns>', 'namespace of the Lease (default: $POD_NAMESPACE or ferry-system)')
    .option('--leader-elect-lease-duration <duration>', 'how long a standby waits after the Lease last changed before it takes over', '15s')
    .option('--leader-elect-renew-deadline <duration>', 'how long the leader tries to renew before it steps down and stops writing', '10s')
    .option('--leader-elect-retry-period <duration>', 'how often the Lease is renewed, or tried for', '2s')
    .addOption(new Option('--shards <mode>', 'auto: split GitSyncs over the live replicas (a member Lease each); off: one replica does all (default: auto in a pod, unless --leader-elect)').choices(['auto', 'off']))
    .option('--shard-lease-duration <duration>', 'how long a replica counts as live after its member Lease last changed', '15s')
    .option('--shard-renew-deadline <duration>', 'how long a replica tries to renew its member Lease before it stops writing', '10s')
    .option('--shard-retry-period <duration>', 'how often a replica renews its member Lease and looks at the others', '2s')
    .option('--resync <duration>', 'how often GitSyncs are listed in full (a watch delivers every change in between)', '5m')
    .option('--shutdown-grace <duration>', 'how long a running sync may finish on SIGTERM', '30s')
    .option('--alert-reminder <duration>', 'repeat an unchanged drift alert after this long (0s: never)', '24h')
    .option('--alert-quiet-period <duration>', 'drift that returns within this long of being resolved is not announced again', '1m')
    .option('--alert-rate-limit <n>', 'messages per chat destination per minute; the rest are dropped and logged', wholeNumberFlag('--alert-rate-limit'), 20)
    .option('--default-service-account <name>', 'GitSyncs that name no spec.serviceAccountName act as this service account of their own namespace (impersonation for all)')
    .option('--no-cross-namespace-refs', 'GitSyncs read Secrets and ConfigMaps only from their own namespace')
    .option('--allow-cluster-adoption', 'let ferry.dev/adopt take over cluster-scoped objects')
    .option('--allowed-target-namespaces <list>', 'comma-separated namespaces (or *) besides its own that a GitSync without a service account may write to')
    .option('--allow-insecure-http', 'allow plain http:// Git and chart repositories, and insecure OCI registries')
    .addOption(new Option('--log-format <format>', 'log format').choices(['json', 'pretty']).default('json'))
    .action(async (flags: AgentFlags, command: Command) => {
      const options = globalOptions(command);
      const logger = createLogger({ format: flags.logFormat, ...(options.verbose ? { level: 'debug' } : {}) });
      const client = connect(options);
      client.onWarning = (warning) => logger.warn({ subject: warning.subject, verb: warning.verb, warning: warning.text }, 'the Kubernetes API warned');
      const notifications = createNotifications({
        client,
        logger,
        clusterName: flags.clusterName ?? io.env.FERRY_CLUSTER_NAME ?? 'default',
        namespace: flags.leaderElectionNamespace ?? io.env.POD_NAMESPACE ?? 'ferry-system',
        alerts: {
          reminderIntervalMs: parseDuration(flags.alertReminder, '--alert-reminder'),
          quietPeriodMs: parseDuration(flags.alertQuietPeriod, '--alert-quiet-period'),
        },
        notifier: { rateLimitPerMinute: flags.alertRateLimit },
      });
      const shards = shardMode(flags, io.env);
      const running = await runAgent({
        client,
        logger,
        cacheDir: flags.cacheDir ?? cacheDir(io.env),
        port: flags.port,
        concurrency: flags.concurrency,
        resyncMs: parseDuration(flags.resync, '--resync'),
        ...(options.namespace ? { namespace: options.namespace } : {}),
        ...(flags.leaderElect
          ? {
              leaderElection: {
                namespace: flags.leaderElectionNamespace ?? io.env.POD_NAMESPACE ?? 'ferry-system',
                ...(io.env.POD_NAME ? { identity: io.env.POD_NAME } : {}),
                leaseDurationMs: parseDuration(flags.leaderElectLeaseDuration, '--leader-elect-lease-duration'),
                renewDeadlineMs: parseDuration(flags.leaderElectRenewDeadline, '--leader-elect-renew-deadline'),
                retryPeriodMs: parseDuration(flags.leaderElectRetryPeriod, '--leader-elect-retry-period'),
              },
            }
          : {}),
        ...(shards
          ? {
              shards: {
                namespace: flags.leaderElectionNamespace ?? io.env.POD_NAMESPACE ?? 'ferry-system',
                ...(io.env.POD_NAME ? { identity: io.env.POD_NAME } : {}),
                leaseDurationMs: parseDuration(flags.shardLeaseDuration, '--shard-lease-duration'),
                renewDeadlineMs: parseDuration(flags.shardRenewDeadline, '--shard-renew-deadline'),
                retryPeriodMs: parseDuration(flags.shardRetryPeriod, '--shard-retry-period'),
              },
            }
          : {}),
        tenancy: tenancyFlags(flags),
        onOutcome: notifications.onOutcome,
        onShutdown: () => notifications.close(),
      });
      const grace = parseDuration(flags.shutdownGrace, '--shutdown-grace');
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          void running.shutdown(grace).then(resolve);
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
    });
}

/**
 * Whether the agent shards: `--shards auto|off` when given; otherwise auto inside a pod (the
 * install's Deployment sets POD_NAME from the downward API), so scaling the Deployment just
 * works, and off outside one and with `--leader-elect` (one leader does all, as before).
 */
function shardMode(flags: AgentFlags, env: NodeJS.ProcessEnv): boolean {
  if (flags.shards === 'auto' && flags.leaderElect) throw new FerryError('INVALID_ARGUMENT', '--shards auto and --leader-elect exclude each other: sharded replicas all work, an elected leader works alone', { details: { flag: '--shards' } });
  if (flags.shards) return flags.shards === 'auto';
  return !flags.leaderElect && Boolean(env.POD_NAME);
}

/** The tenancy flags as the agent's policy. */
function tenancyFlags(flags: AgentFlags): TenancyPolicy {
  const namespaces = (flags.allowedTargetNamespaces ?? '').split(',').map((ns) => ns.trim()).filter(Boolean);
  return {
    ...(flags.defaultServiceAccount ? { defaultServiceAccount: flags.defaultServiceAccount } : {}),
    ...(flags.crossNamespaceRefs === false ? { noCrossNamespaceRefs: true } : {}),
    ...(flags.allowClusterAdoption ? { allowClusterAdoption: true } : {}),
    ...(namespaces.length > 0 ? { allowedTargetNamespaces: namespaces } : {}),
    ...(flags.allowInsecureHttp ? { allowInsecureHttp: true } : {}),
  };
}
