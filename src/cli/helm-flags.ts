/**
 * The Helm flags of plan, diff and apply: a chart from a repository or registry instead of a
 * source argument (`--helm-repo`, `--chart`, `--version`), and values for any chart
 * (`--values FILE`, `--set k=v`), so a chart can be tried with no cluster and no GitSync.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { FerryError } from '../errors.js';
import type { HelmSettings, HelmSource, SyncSource } from '../sync/index.js';
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
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds the Helm flags to a command. */
export function addHelmOptions(command: Command): Command {
  return command
    .option('--helm-repo <url>', 'render a chart from this Helm repository (https://…) or OCI registry (oci://…) instead of a source')
    .option('--chart <name>', 'with --helm-repo: the chart')
    .option('--version <range>', 'with --helm-repo: the chart version, or a range such as ">=1.2 <2" (default: the latest stable)')
    .option('--plain-http', 'with an oci:// --helm-repo: plain HTTP (a registry on localhost)')
    .option('--values <file>', 'for a chart: a values file, after the chart’s values.yaml (repeatable, in order)', collect)
    .option('--set <key=value>', 'for a chart: set a value, after every values file (repeatable)', collect)
    .option('--release-name <name>', 'for a chart: the release name (default: the sync name)')
    .option('--skip-crds', 'for a chart: leave out the CRDs of its crds/ directory');
}

/** The source a command works on: its argument, or the chart `--helm-repo` and `--chart` name. */
export function commandSource(arg: string | undefined, flags: HelmFlags & { ref?: string; path?: string }): SyncSource {
  if (flags.helmRepo) {
    if (arg) throw new FerryError('CLI_BAD_SOURCE', `give either a source (${arg}) or --helm-repo, not both`);
    if (!flags.chart) throw new FerryError('CLI_BAD_SOURCE', '--helm-repo needs --chart NAME');
    if (!/^(https?|oci):\/\/./.test(flags.helmRepo)) throw new FerryError('CLI_BAD_SOURCE', `--helm-repo ${flags.helmRepo}: an https:// (or http://) chart repository or an oci:// registry`);
    const source: HelmSource = { type: 'helm', repository: flags.helmRepo, chart: flags.chart, path: '.', ...(flags.version ? { version: flags.version } : {}), ...(flags.plainHttp ? { insecure: true } : {}) };
    return source;
  }
  if (flags.chart || flags.version) throw new FerryError('CLI_BAD_SOURCE', '--chart and --version need --helm-repo');
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
