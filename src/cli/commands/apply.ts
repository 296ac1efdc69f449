import { Option, type Command } from 'commander';
import { formatRef, objectKey } from '../../objects.js';
import { reconcile, isFailedRevision, parseDuration, type SyncOutcome, DEFAULT_SETTINGS } from '../../sync/index.js';
import { connect, globalOptions, namespaceOf } from '../cluster.js';
import { CliExit, ExitCode, type CliIO } from '../context.js';
import { parseOutputFormat, printData, type Column } from '../output.js';
import { progressPrinter } from '../progress.js';
import { collectKeyValue, commandLineSettings, gitSourceFor } from '../source-arg.js';
import { addSshOptions, withSshAccess, type SshFlags } from '../ssh-flags.js';
import { addHelmOptions, commandSource, commandSyncName, helmSettingsFromFlags, type HelmFlags } from '../helm-flags.js';
import { wholeNumberFlag } from '../flags.js';

interface ApplyFlags extends HelmFlags, SshFlags {
  name?: string;
  ref?: string;
  path?: string;
  prune?: boolean;
  allowEmpty?: boolean;
  timeout: string;
  dryRun?: boolean;
  force?: boolean;
  rollback: boolean;
  historyLimit: number;
  targetNamespace?: string;
  substitute?: Record<string, string>;
  renderType: 'auto' | 'plain' | 'kustomize' | 'helm';
  output?: string;
}

interface ResultRow {
  object: string;
  action: string;
  health: string;
  message: string;
}

export function registerApply(program: Command, io: CliIO): void {
  const registered = program
    .command('apply')
    .description('sync a directory, a manifest file or a Git repository to the cluster once, exactly as the agent would (diff, ordered apply, health, prune, history, rollback)')
    .argument('[source]', 'a directory, a manifest file, or a Git URL (https://, ssh:// or git@host:path); or --helm-repo')
    .option('--name <name>', 'the sync name that owns the objects (default: the directory, file, repository or chart name)')
    .option('--ref <ref>', "Git ref: a branch, tag:NAME, semver:RANGE or commit:SHA (default: the remote's HEAD, the branch git clone checks out)")
    .option('--path <path>', 'directory or file within the source that holds the manifests', '.')
    .option('--prune', 'delete objects that the previous revision applied and this one no longer has')
    .option('--allow-empty', 'let --prune delete everything when the source renders no objects')
    .option('--timeout <duration>', 'how long to wait for the objects to become healthy', '5m')
    .option('--dry-run', 'validate against the server and print the plan; write nothing')
    .option('--force', 'recreate objects whose immutable fields changed')
    .option('--no-rollback', 'do not roll back to the last good revision when this one fails')
    .option('--history-limit <n>', 'history entries to keep', wholeNumberFlag('--history-limit', { max: 100 }), DEFAULT_SETTINGS.historyLimit)
    .option('--target-namespace <namespace>', 'namespace for namespaced objects that name none')
    .option('--substitute <KEY=VALUE>', 'turn on ${KEY} substitution with this value (repeatable; off unless given)', collectKeyValue)
    .addOption(new Option('--render-type <type>', 'how to render').choices(['auto', 'plain', 'kustomize', 'helm']).default('auto'))
    .option('-o, --output <format>', 'table, json or yaml', 'table')
    .action(async (sourceArg: string | undefined, flags: ApplyFlags, command: Command) => {
      const format = parseOutputFormat(flags.output, ['table', 'wide', 'json', 'yaml']);
      const options = globalOptions(command);
      const client = connect(options);
      const namespace = namespaceOf(options, client);
      const source = withSshAccess(await commandSource(sourceArg, flags, io), flags, io.env);
      const name = flags.name ?? commandSyncName(sourceArg, flags);
      const helm = helmSettingsFromFlags(flags);
      const settings = commandLineSettings(
        { namespace, name, source, substitute: flags.substitute, targetNamespace: flags.targetNamespace },
        {
          renderType: flags.renderType,
          prune: Boolean(flags.prune),
          force: Boolean(flags.force),
          healthTimeoutMs: parseDuration(flags.timeout, '--timeout'),
          rollback: flags.rollback,
          historyLimit: flags.historyLimit,
          ...(helm ? { helm } : {}),
        },
      );
      const outcome = await reconcile(
        settings,
        { client, git: gitSourceFor(io.env) },
        {
          // An explicit apply is a retry: a revision that failed before is tried again (the agent
          // keeps holding it back until Git moves on).
          retryFailedRevision: true,
          ...(flags.dryRun ? { dryRun: true } : {}),
          ...(flags.allowEmpty ? { allowEmpty: true } : {}),
          onEvent: progressPrinter(io),
        },
      );
      printOutcome(io, format, outcome);
      if (isFailedRevision(outcome) || outcome.result === 'Cancelled') throw new CliExit(ExitCode.Failure);
    });
  addHelmOptions(registered);
  addSshOptions(registered);
}

export function printOutcome(io: CliIO, format: ReturnType<typeof parseOutputFormat>, outcome: SyncOutcome): void {
  const health = new Map((outcome.healthDetails?.results ?? []).map((r) => [objectKey(r.ref), r.health]));
  const rows: ResultRow[] = outcome.changes.map((entry) => {
    const h = health.get(objectKey(entry.ref));
    return {
      object: formatRef(entry.ref),
      action: entry.action,
      health: h?.status ?? (entry.action === 'deleted' ? '-' : ''),
      message: entry.action === 'failed' ? entry.error?.message ?? entry.message ?? '' : h && h.status !== 'Healthy' ? h.message : entry.message ?? '',
    };
  });
  const columns: Column<ResultRow>[] = [
    { header: 'OBJECT', value: (r) => r.object },
    { header: 'ACTION', value: (r) => r.action },
    { header: 'HEALTH', value: (r) => r.health },
    { header: 'MESSAGE', value: (r) => r.message },
  ];
  const data = {
    result: outcome.result,
    reason: outcome.reason,
    message: outcome.message,
    revision: outcome.revision,
    ...(outcome.sourceRef ? { ref: outcome.sourceRef } : {}),
    appliedRevision: outcome.appliedRevision,
    failedRevision: outcome.failedRevision,
    objects: rows,
    ...(outcome.rollback ? { rollback: { from: outcome.rollback.from, to: outcome.rollback.to, succeeded: outcome.rollback.succeeded } } : {}),
    durationMs: outcome.durationMs,
  };
  if (rows.length > 0 || format === 'json' || format === 'yaml') printData(io, format, data, { rows, columns });
  if (format === 'table' || format === 'wide') io.stderr.write(`${outcome.result}: ${outcome.message}\n`);
}
