import type { Command } from 'commander';
import { describeError } from '../../errors.js';
import { formatRef, objectKey } from '../../objects.js';
import { diffToJson, summarizeDiffs, type ObjectDiff } from '../../diff/index.js';
import { diffGitSync, diffSettings, maskedDiffText, type GitSyncDiff } from '../../gitsync/index.js';
import { scrubSecrets } from '../../log/index.js';
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
        const git = gitSourceFor(io.env);
        let result: GitSyncDiff;
        if (fromGitSync) {
          // The same diff as the UI's drift view: one home for how a GitSync differs from Git.
          result = await diffGitSync(client, await getGitSync(client, namespace, sourceArg as string), { git });
        } else {
          const helm = helmSettingsFromFlags(flags);
          const settings = commandLineSettings(
            { namespace, name: flags.name ?? commandSyncName(sourceArg, flags), source: withSshAccess(await commandSource(sourceArg, flags, io), flags, io.env), substitute: flags.substitute, targetNamespace: flags.targetNamespace },
            { prune: Boolean(flags.prune), ...(helm ? { helm } : {}) },
          );
          result = { ...(await diffSettings(client, settings, { git })), secretValues: [] };
        }
        const { diffs, skipped, secretValues } = result;
        for (const entry of skipped) io.stderr.write(`${formatRef(entry.ref)}: ${entry.message}\n`);
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

function printDiffs(io: CliIO, json: boolean, diffs: ObjectDiff[], secretValues: string[]): void {
  const ordered = [...diffs].sort((a, b) => objectKey(a.ref).localeCompare(objectKey(b.ref)));
  const summary = summarizeDiffs(ordered);
  if (json) {
    io.stdout.write(`${scrubSecrets(JSON.stringify({ objects: ordered.filter((d) => d.action !== 'unchanged').map(diffToJson), summary }, null, 2), secretValues)}\n`);
    return;
  }
  for (const diff of ordered) {
    if (diff.action === 'unchanged') continue;
    io.stdout.write(maskedDiffText(diff, secretValues, { color: io.isTTY && !io.env.NO_COLOR }));
    if (!io.stdout.write('\n')) continue;
  }
  io.stderr.write(`${summary.line}\n`);
}

