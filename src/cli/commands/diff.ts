import type { Command } from 'commander';
import { describeError } from '../../errors.js';
import type { KubeObject } from '../../objects.js';
import { formatRef, objectKey } from '../../objects.js';
import { applyObjects, pruneObjects, syncId } from '../../apply/index.js';
import { diffObject, diffToJson, formatDiff, summarizeDiffs, type ObjectDiff } from '../../diff/index.js';
import { HistoryStore } from '../../history/index.js';
import { clusterFactsFromDiscovery } from '../../render/index.js';
import { fetchSource, leaveOutCollectedJobs, renderSource, resolveSyncInputs, settingsFromGitSync, type SyncSettings } from '../../sync/index.js';
import { connect, getGitSync, globalOptions, namespaceOf } from '../cluster.js';
import { CliExit, ExitCode, type CliIO } from '../context.js';
import { parseOutputFormat } from '../output.js';
import { collectKeyValue, commandLineSettings, gitSourceFor, isGitUrl } from '../source-arg.js';
import { addSshOptions, withSshAccess, type SshFlags } from '../ssh-flags.js';
import { addHelmOptions, commandSource, commandSyncName, helmSettingsFromFlags, type HelmFlags } from '../helm-flags.js';
import { existsSync } from 'node:fs';

interface DiffFlags extends HelmFlags, SshFlags {
  name?: string;
  ref?: string;
  path?: string;
  prune?: boolean;
  targetNamespace?: string;
  substitute?: Record<string, string>;
  output?: string;
}

export function registerDiff(program: Command, io: CliIO): void {
  const registered = program
    .command('diff')
    .description('show how the cluster differs from Git, as kubectl diff does (exit 0: no changes, 1: changes, 2: error)')
    .argument('[source]', 'a GitSync name, a directory, a manifest file, or a Git URL; or --helm-repo')
    .option('--name <name>', 'for a directory, file or URL: the sync whose last applied revision is the three-way base (default: the directory, file or repository name, as apply uses)')
    .option('--ref <ref>', "Git ref: a branch, tag:NAME, semver:RANGE or commit:SHA (default: the remote's HEAD, the branch git clone checks out)")
    .option('--path <path>', 'directory or file within the source that holds the manifests', '.')
    .option('--prune', 'for a directory, file or URL: also show objects that would be pruned')
    .option('--target-namespace <namespace>', 'namespace for namespaced objects that name none')
    .option('--substitute <KEY=VALUE>', 'turn on ${KEY} substitution with this value (repeatable; off unless given)', collectKeyValue)
    .option('-o, --output <format>', 'diff (default) or json', 'diff')
    .action(async (sourceArg: string | undefined, flags: DiffFlags, command: Command) => {
      if (flags.output !== 'diff' && flags.output !== 'json') parseOutputFormat(flags.output, ['json']);
      const options = globalOptions(command);
      try {
        const client = connect(options);
        const namespace = namespaceOf(options, client);
        const fromGitSync = sourceArg !== undefined && !flags.helmRepo && !isGitUrl(sourceArg) && !existsSync(sourceArg);
        let settings: SyncSettings;
        let secretValues: string[] = [];
        if (fromGitSync) {
          const gitsync = await getGitSync(client, namespace, sourceArg as string);
          ({ settings, secretValues } = await resolveSyncInputs(client, settingsFromGitSync(gitsync)));
        } else {
          const helm = helmSettingsFromFlags(flags);
          settings = commandLineSettings(
            { namespace, name: flags.name ?? commandSyncName(sourceArg, flags), source: withSshAccess(await commandSource(sourceArg, flags, io), flags, io.env), substitute: flags.substitute, targetNamespace: flags.targetNamespace },
            { prune: Boolean(flags.prune), ...(helm ? { helm } : {}) },
          );
        }
        const { tree } = await fetchSource(settings, { git: gitSourceFor(io.env) });
        const desired = await renderSource(settings, tree, clusterFactsFromDiscovery(client));
        const latest = await new HistoryStore(client, settings.namespace, settings.name).latest();
        const base = latest?.objects ?? [];
        // A finished Job the TTL controller removed is not created again by a sync: no change to show.
        const toWrite = await leaveOutCollectedJobs(client, desired, base);
        const result = await applyObjects(client, {
          sync: syncId(settings.namespace, settings.name),
          desired: toWrite.objects,
          base,
          ignore: settings.ignore,
          diffOnly: true,
          checkOwnership: true,
        });
        if (result.error) throw result.error;
        const diffs: ObjectDiff[] = result.entries.map((entry) => entry.diff).filter((d): d is ObjectDiff => d !== undefined);
        if (settings.prune) diffs.push(...(await prunedDiffs(client, syncId(settings.namespace, settings.name), base, desired)));
        for (const skipped of toWrite.skipped) io.stderr.write(`${formatRef(skipped.ref)}: ${skipped.message}\n`);
        printDiffs(io, flags.output === 'json', diffs, secretValues);
        if (diffs.some((d) => d.action !== 'unchanged')) throw new CliExit(ExitCode.Failure);
      } catch (error) {
        if (error instanceof CliExit) throw error;
        io.stderr.write(`error: ${describeError(error)}\n`);
        // kubectl diff: exit 2 on errors, so scripts can tell "changes" from "broken".
        throw new CliExit(ExitCode.Error);
      }
    });
  addHelmOptions(registered);
  addSshOptions(registered);
}

/**
 * Objects the last revision applied that Git no longer has, as `delete` diffs — only those prune
 * would delete: prune's dry run applies its checks (still labelled for this sync, not
 * `ferry.dev/prune: "false"`, protected kinds only on opt-in), so diff shows what apply does.
 */
async function prunedDiffs(client: ReturnType<typeof connect>, sync: string, base: KubeObject[], desired: KubeObject[]): Promise<ObjectDiff[]> {
  const entries = await pruneObjects(client, { sync, previous: base, desired, dryRun: true });
  const diffs: ObjectDiff[] = [];
  for (const entry of entries.filter((e) => e.action === 'deleted')) {
    const live = await client.getOrNull(entry.ref).catch(() => null);
    if (live) diffs.push(diffObject({ live }));
  }
  return diffs;
}

function printDiffs(io: CliIO, json: boolean, diffs: ObjectDiff[], secretValues: string[]): void {
  const scrub = (text: string) => secretValues.reduce((out, value) => (value.length >= 4 ? out.split(value).join('***') : out), text);
  const ordered = [...diffs].sort((a, b) => objectKey(a.ref).localeCompare(objectKey(b.ref)));
  const summary = summarizeDiffs(ordered);
  if (json) {
    io.stdout.write(`${scrub(JSON.stringify({ objects: ordered.filter((d) => d.action !== 'unchanged').map(diffToJson), summary }, null, 2))}\n`);
    return;
  }
  for (const diff of ordered) {
    if (diff.action === 'unchanged') continue;
    io.stdout.write(scrub(formatDiff(diff, { color: io.isTTY && !io.env.NO_COLOR })));
    if (!io.stdout.write('\n')) continue;
  }
  io.stderr.write(`${summary.line}\n`);
}

