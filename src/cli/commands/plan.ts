import { Option, type Command } from 'commander';
import { objectKey, refOf } from '../../objects.js';
import { planLayers } from '../../apply/index.js';
import { RenderError, formatProblem, renderManifests, type RenderedObject } from '../../render/index.js';
import { fetchSource, helmOptionsOf, shortRevision, DEFAULT_SETTINGS, type SyncSettings, type SyncSource } from '../../sync/index.js';
import { globalOptions } from '../cluster.js';
import { CliExit, ExitCode, type CliIO } from '../context.js';
import { parseOutputFormat, printData, type Column } from '../output.js';
import { collectKeyValue, gitSourceFor } from '../source-arg.js';
import { addSshOptions, withSshAccess, type SshFlags } from '../ssh-flags.js';
import { addHelmOptions, commandSource, commandSyncName, helmSettingsFromFlags, type HelmFlags } from '../helm-flags.js';
import { counted } from '../../text.js';

interface PlanFlags extends HelmFlags, SshFlags {
  ref?: string;
  path?: string;
  output?: string;
  targetNamespace?: string;
  substitute?: Record<string, string>;
  renderType: 'auto' | 'plain' | 'kustomize' | 'helm';
}

interface PlanRow {
  layer: number;
  kind: string;
  apiVersion: string;
  namespace: string;
  name: string;
  source: string;
  hash: string;
}

const COLUMNS: Column<PlanRow>[] = [
  { header: 'LAYER', value: (r) => String(r.layer) },
  { header: 'KIND', value: (r) => r.kind },
  { header: 'NAMESPACE', value: (r) => r.namespace || '-' },
  { header: 'NAME', value: (r) => r.name },
  { header: 'SOURCE', value: (r) => r.source },
  { header: 'API VERSION', value: (r) => r.apiVersion, wide: true },
  { header: 'HASH', value: (r) => r.hash.slice(0, 19), wide: true },
];

export function registerPlan(program: Command, io: CliIO): void {
  const registered = program
    .command('plan')
    .description('render a directory, a manifest file or a Git repository and print the objects in the order they would be applied (no cluster needed)')
    .argument('[source]', 'a directory, a manifest file, or a Git URL (https://, ssh:// or git@host:path); or --helm-repo')
    .option('--ref <ref>', "Git ref: a branch, tag:NAME, semver:RANGE or commit:SHA (default: the remote's HEAD, the branch git clone checks out)")
    .option('--path <path>', 'directory or file within the source that holds the manifests', '.')
    .option('--target-namespace <namespace>', 'namespace for namespaced objects that name none')
    .option('--substitute <KEY=VALUE>', 'turn on ${KEY} substitution with this value (repeatable; off unless given)', collectKeyValue)
    .addOption(new Option('--render-type <type>', 'how to render').choices(['auto', 'plain', 'kustomize', 'helm']).default('auto'))
    .option('-o, --output <format>', 'table, wide, json or yaml', 'table')
    .action(async (sourceArg: string | undefined, flags: PlanFlags, command: Command) => {
      const format = parseOutputFormat(flags.output);
      // As `apply -n` would: objects that name no namespace go to -n (plan reads no kubeconfig).
      const targetNamespace = flags.targetNamespace ?? globalOptions(command).namespace;
      const source = withSshAccess(await commandSource(sourceArg, flags, io), flags, io.env);
      const helm = helmSettingsFromFlags(flags);
      const settings = { source, renderType: flags.renderType, name: commandSyncName(sourceArg, flags), ...(helm ? { helm } : {}) } as Pick<SyncSettings, 'source' | 'renderType' | 'name' | 'helm'>;
      if (format === 'table' || format === 'wide') io.stderr.write(`fetching ${describeSource(source)} …\n`);
      const { tree, revision } = await fetchSource({ ...DEFAULT_SETTINGS, ...settings } as SyncSettings, { git: gitSourceFor(io.env) });
      let rendered: RenderedObject[];
      try {
        // No cluster: the scopes of kinds come from the render's CRDs and the built-in table.
        const result = await renderManifests({
          tree,
          path: source.path ?? '.',
          type: flags.renderType,
          ...(flags.substitute ? { substitute: flags.substitute } : {}),
          ...(targetNamespace ? { targetNamespace } : {}),
          helm: helmOptionsOf(settings),
        });
        rendered = result.objects;
        for (const warning of result.warnings) io.stderr.write(`warning: ${formatProblem(warning)}\n`);
      } catch (error) {
        if (!(error instanceof RenderError)) throw error;
        for (const problem of error.problems) io.stderr.write(`${formatProblem(problem)}\n`);
        io.stderr.write(`error: ${counted(error.problems.length, 'problem')}; nothing would be applied\n`);
        throw new CliExit(ExitCode.Error);
      }
      const plan = planLayers(rendered.map((r) => r.object));
      for (const warning of plan.warnings) io.stderr.write(`warning: ${warning}\n`);
      const byKey = new Map(rendered.map((r) => [objectKey(refOf(r.object)), r]));
      const rows: PlanRow[] = plan.layers.flatMap((layer) =>
        layer.objects.map((object) => {
          const item = byKey.get(objectKey(refOf(object))) as RenderedObject;
          return {
            layer: layer.index + 1,
            kind: object.kind,
            apiVersion: object.apiVersion,
            namespace: object.metadata.namespace ?? '',
            name: object.metadata.name,
            source: `${item.source.file}:${item.source.line}`,
            hash: item.hash,
          };
        }),
      );
      if (format === 'table' || format === 'wide') io.stderr.write(`revision ${shortRevision(revision)}: ${counted(rows.length, 'object')} in ${counted(plan.layers.length, 'layer')}\n`);
      printData(io, format, { revision, layers: plan.layers.length, objects: rows }, { rows, columns: COLUMNS });
    });
  addHelmOptions(registered);
  addSshOptions(registered);
}

function describeSource(source: SyncSource): string {
  if (source.type === 'git') return source.url;
  if (source.type === 'helm') return `${source.repository} chart ${source.chart}${source.version ? ` ${source.version}` : ''}`;
  return source.dir;
}
