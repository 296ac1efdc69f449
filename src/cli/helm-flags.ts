/**
 * The Helm flags of plan, diff and apply: a chart from a repository or registry instead of a
 * source argument (`--helm-repo`, `--chart`, `--version`), and values for any chart
 * (`--values FILE`, `--set k=v`), so a chart can be tried with no cluster and no GitSync.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { FerryError } from '../errors.js';
import type { HelmSettings, HelmSource, SyncSource } from '../sync/index.js';
import type { ChartCredentials } from '../source/index.js';
import type { CliIO } from './context.js';
import { defaultSyncName, sourceFromArg } from './source-arg.js';

export interface HelmFlags {
  helmRepo?: string;
  chart?: string;
  version?: string;
  plainHttp?: boolean;
  values?: string[];
  set?: string[];
  releaseName?: string;
  skipCrds?: boolean;
  username?: string;
  passwordStdin?: boolean;
  caFile?: string;
}

/** Where a chart repository's password and registry token come from besides stdin: never argv. */
export const HELM_PASSWORD_ENV = 'FERRY_HELM_PASSWORD';
export const HELM_TOKEN_ENV = 'FERRY_HELM_TOKEN';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds the Helm flags to a command. */
export function addHelmOptions(command: Command): Command {
  return command
    .option('--helm-repo <url>', 'render a chart from this Helm repository (https://…) or OCI registry (oci://…) instead of a source')
    .option('--chart <name>', 'with --helm-repo: the chart')
    .option('--version <range>', 'with --helm-repo: the chart version, or a range such as ">=1.2 <2" (default: the latest stable)')
    .option('--plain-http', 'with an oci:// --helm-repo: plain HTTP (a registry on localhost)')
    .option('--username <name>', `with --helm-repo: the user name for a private repository or registry; the password from --password-stdin or $${HELM_PASSWORD_ENV} (a registry token: $${HELM_TOKEN_ENV})`)
    .option('--password-stdin', 'with --helm-repo and --username: read the password from stdin, as helm registry login does')
    .option('--ca-file <file>', 'with --helm-repo: trust this PEM CA bundle for the repository or registry')
    .option('--values <file>', 'for a chart: a values file, after the chart’s values.yaml (repeatable, in order)', collect)
    .option('--set <key=value>', 'for a chart: set a value, after every values file (repeatable)', collect)
    .option('--release-name <name>', 'for a chart: the release name (default: the sync name)')
    .option('--skip-crds', 'for a chart: leave out the CRDs of its crds/ directory');
}

/** The source a command works on: its argument, or the chart `--helm-repo` and `--chart` name (with its credentials). */
export async function commandSource(arg: string | undefined, flags: HelmFlags & { ref?: string; path?: string }, io: Pick<CliIO, 'env' | 'stdin'>): Promise<SyncSource> {
  if (flags.helmRepo) {
    if (arg) throw new FerryError('CLI_BAD_SOURCE', `give either a source (${arg}) or --helm-repo, not both`);
    if (!flags.chart) throw new FerryError('CLI_BAD_SOURCE', '--helm-repo needs --chart NAME');
    if (!/^(https?|oci):\/\/./.test(flags.helmRepo)) throw new FerryError('CLI_BAD_SOURCE', `--helm-repo ${flags.helmRepo}: an https:// (or http://) chart repository or an oci:// registry`);
    const credentials = await chartCredentials(flags, io);
    const source: HelmSource = {
      type: 'helm',
      repository: flags.helmRepo,
      chart: flags.chart,
      path: '.',
      ...(flags.version ? { version: flags.version } : {}),
      ...(flags.plainHttp ? { insecure: true } : {}),
      ...(credentials ? { credentials } : {}),
    };
    return source;
  }
  if (flags.chart || flags.version) throw new FerryError('CLI_BAD_SOURCE', '--chart and --version need --helm-repo');
  if (flags.username || flags.passwordStdin || flags.caFile) throw new FerryError('CLI_BAD_SOURCE', '--username, --password-stdin and --ca-file need --helm-repo');
  if (!arg) throw new FerryError('CLI_BAD_SOURCE', 'give a source (a directory, a manifest file, a Git URL) or --helm-repo URL --chart NAME');
  return sourceFromArg(arg, flags);
}

/** What the Helm flags say about rendering a chart; undefined when none is given. */
export function helmSettingsFromFlags(flags: HelmFlags): HelmSettings | undefined {
  if (!flags.values && !flags.set && !flags.releaseName && !flags.skipCrds) return undefined;
  return {
    valuesFiles: [],
    valuesFrom: [],
    skipCRDs: flags.skipCrds === true,
    ...(flags.releaseName ? { releaseName: flags.releaseName } : {}),
    extraValues: (flags.values ?? []).map((file) => {
      try {
        return { origin: `--values ${file}`, content: readFileSync(file, 'utf8') };
      } catch (error) {
        throw new FerryError('CLI_BAD_FLAG', `--values ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
      }
    }),
    ...(flags.set ? { set: flags.set } : {}),
  };
}

/** The sync name without `--name`: the chart's for `--helm-repo`, else the source's (defaultSyncName). */
export function commandSyncName(arg: string | undefined, flags: HelmFlags): string {
  return flags.helmRepo && flags.chart ? defaultSyncName(flags.chart) : defaultSyncName(arg ?? '.');
}

/**
 * Credentials for `--helm-repo`, named as helm names them: `--username`, the password from stdin
 * (`--password-stdin`) or the environment, a registry token from the environment, `--ca-file`.
 * No secret is ever taken from argv, where every process of the machine can read it.
 */
async function chartCredentials(flags: HelmFlags, io: Pick<CliIO, 'env' | 'stdin'>): Promise<ChartCredentials | undefined> {
  if (flags.passwordStdin && !flags.username) throw new FerryError('CLI_BAD_FLAG', '--password-stdin needs --username');
  const password = flags.passwordStdin ? await readSecretLine(io.stdin ?? process.stdin) : flags.username ? io.env[HELM_PASSWORD_ENV] : undefined;
  const token = io.env[HELM_TOKEN_ENV];
  let caCert: string | undefined;
  if (flags.caFile) {
    try {
      caCert = readFileSync(flags.caFile, 'utf8');
    } catch (error) {
      throw new FerryError('CLI_BAD_FLAG', `--ca-file ${flags.caFile}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
  }
  const credentials: ChartCredentials = {
    ...(flags.username ? { username: flags.username } : {}),
    ...(flags.username && password ? { password } : {}),
    ...(token ? { bearerToken: token } : {}),
    ...(caCert ? { caCert } : {}),
  };
  return Object.keys(credentials).length > 0 ? credentials : undefined;
}

/** Everything on stdin without the line end a pipe (`echo "$PASSWORD" |`) adds. */
async function readSecretLine(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  const text = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (text === '') throw new FerryError('CLI_BAD_FLAG', '--password-stdin: nothing on stdin');
  return text;
}
