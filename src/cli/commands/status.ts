import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { KubeObject } from '../../objects.js';
import { formatRef, isJsonObject } from '../../objects.js';
import { assessHealth } from '../../health/index.js';
import { readInventory, shortRevision } from '../../sync/index.js';
import { ExpiredError, type KubeClient } from '../../kube/index.js';
import { GITSYNC_API_VERSION, GITSYNC_KIND, connect, getGitSync, globalOptions, namespaceOf } from '../cluster.js';
import type { CliIO } from '../context.js';
import { formatAge, formatTable, paint, parseOutputFormat, printData, type Column, type OutputFormat } from '../output.js';
import { viewGitSync, type GitSyncStatusView } from '../../gitsync/index.js';

const LIST_COLUMNS: Column<GitSyncStatusView>[] = [
  { header: 'NAMESPACE', value: (v) => v.namespace },
  { header: 'NAME', value: (v) => v.name },
  { header: 'URL', value: (v) => v.url },
  { header: 'REVISION', value: (v) => v.revision },
  { header: 'READY', value: (v) => v.ready },
  { header: 'HEALTH', value: (v) => v.health },
  { header: 'DRIFT', value: (v) => String(v.drift) },
  { header: 'SUSPENDED', value: (v) => (v.suspended ? 'True' : 'False'), wide: true },
  { header: 'LAST SYNC', value: (v) => formatAge(v.lastSyncTime), wide: true },
  // The agent replica reconciling it, when the agent runs sharded (`--shards auto`).
  { header: 'OWNER', value: (v) => v.owner ?? '<none>', wide: true },
  { header: 'AGE', value: (v) => formatAge(v.created) },
  { header: 'MESSAGE', value: (v) => v.message, wide: true },
];

export function registerStatus(program: Command, io: CliIO): void {
  program
    .command('status')
    .description('show GitSyncs: revision, readiness, health and drift; with NAME, conditions and per-object health')
    .argument('[name]', 'a GitSync; omit to list them')
    .option('-A, --all-namespaces', 'list GitSyncs in all namespaces')
    .option('-o, --output <format>', 'table, wide, json or yaml', 'table')
    .option('-w, --watch', 'after the list, print every change as it happens, until interrupted (as kubectl get -w)')
    .action(async (name: string | undefined, flags: { allNamespaces?: boolean; output?: string; watch?: boolean }, command: Command) => {
      const format = parseOutputFormat(flags.output);
      const options = globalOptions(command);
      const client = connect(options);
      const namespace = namespaceOf(options, client);
      if (!name) {
        const scope = flags.allNamespaces ? {} : { namespace };
        const { items, resourceVersion } = await client.listPage(GITSYNC_API_VERSION, GITSYNC_KIND, scope);
        const views = items.map(viewGitSync);
        const columns = flags.allNamespaces ? LIST_COLUMNS : LIST_COLUMNS.filter((c) => c.header !== 'NAMESPACE');
        if (views.length === 0 && (format === 'table' || format === 'wide')) {
          io.stderr.write(flags.allNamespaces ? 'No GitSyncs found.\n' : `No GitSyncs found in ${namespace} namespace.\n`);
        } else {
          // As kubectl get -o json|yaml prints a list.
          printData(io, format, { apiVersion: 'v1', kind: 'List', items }, { rows: views, columns });
        }
        if (flags.watch) await printChanges(io, client, scope, resourceVersion, format, columns);
        return;
      }
      const gitsync = await getGitSync(client, namespace, name);
      const objects = await objectHealth(client, gitsync);
      if (format === 'json' || format === 'yaml') {
        printData(io, format, { ...gitsync, objects }, { rows: [], columns: [] });
        return;
      }
      io.stdout.write(describeGitSync(io, viewGitSync(gitsync), objects, format === 'wide'));
    });
}

/**
 * `status -w`: each change to a GitSync as it happens, a table row (without the header) or one
 * JSON/YAML document, until the command is interrupted. Watches are renewed as the server ends
 * them; a 410 Expired lists again and goes on from there.
 */
async function printChanges(io: CliIO, client: KubeClient, scope: { namespace?: string }, from: string, format: OutputFormat, columns: Column<GitSyncStatusView>[]): Promise<void> {
  const print = (object: KubeObject) => {
    if (format === 'json') io.stdout.write(`${JSON.stringify(object, null, 2)}\n`);
    else if (format === 'yaml') io.stdout.write(`---\n${stringify(object, { lineWidth: 0 })}`);
    else io.stdout.write(formatTable([viewGitSync(object)], columns, format === 'wide').split('\n').slice(1).join('\n'));
  };
  let resourceVersion = from;
  while (!io.signal?.aborted) {
    try {
      resourceVersion = await client.watch(GITSYNC_API_VERSION, GITSYNC_KIND, { ...scope, resourceVersion, ...(io.signal ? { signal: io.signal } : {}) }, (event) => print(event.object));
    } catch (error) {
      if (!(error instanceof ExpiredError)) throw error;
      resourceVersion = (await client.listPage(GITSYNC_API_VERSION, GITSYNC_KIND, scope)).resourceVersion;
    }
  }
}

interface ObjectHealthRow {
  object: string;
  health: string;
  message: string;
}

/** Health of every inventory object, listing each kind once rather than one GET per object. */
async function objectHealth(client: KubeClient, gitsync: KubeObject): Promise<ObjectHealthRow[]> {
  // A long inventory is summarized in status; its list is in the history entry it points to.
  const refs = await readInventory(client, gitsync.metadata.namespace ?? 'default', gitsync.metadata.name, isJsonObject(gitsync.status) ? gitsync.status : undefined);
  const groups = new Map<string, typeof refs>();
  for (const ref of refs) {
    const key = `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), ref]);
  }
  const rows: ObjectHealthRow[] = [];
  for (const group of groups.values()) {
    const first = group[0];
    if (!first) continue;
    let live: KubeObject[] = [];
    try {
      live = await client.list(first.apiVersion, first.kind, first.namespace ? { namespace: first.namespace } : {});
    } catch {
      // An unknown kind (CRD removed) reads as Missing below.
    }
    const byName = new Map(live.map((object) => [object.metadata.name, object]));
    for (const ref of group) {
      const health = assessHealth(byName.get(ref.name));
      rows.push({ object: formatRef(ref), health: health.status, message: health.message });
    }
  }
  return rows;
}

function describeGitSync(io: CliIO, view: GitSyncStatusView, objects: ObjectHealthRow[], wide: boolean): string {
  const status = view.status;
  const text = (key: string) => (typeof status[key] === 'string' ? shortRevision(status[key] as string) : '-');
  const lines = [
    `Name:             ${view.namespace}/${view.name}`,
    `Source:           ${view.url} (${view.ref})`,
    `Applied:          ${text('lastAppliedRevision')}`,
    `Last good:        ${text('lastGoodRevision')}`,
    `Last attempted:   ${text('lastAttemptedRevision')}`,
    ...(typeof status.failedRevision === 'string' && status.failedRevision ? [`Failed:           ${paint(io, 'red', text('failedRevision'))}`] : []),
    ...(view.pinned ? [`Pinned:           ${paint(io, 'yellow', view.pinned)} (run ferry resume ${view.name} to follow Git again)`] : []),
    `Suspended:        ${view.suspended ? paint(io, 'yellow', 'yes') : 'no'}`,
    `Last sync:        ${view.lastSyncTime ? `${formatAge(view.lastSyncTime)} ago (${String(status.lastSyncResult ?? '')})` : 'never'}`,
    `Health:           ${view.health}`,
    '',
    'Conditions:',
    formatTable(view.conditions, [
      { header: '  TYPE', value: (c) => `  ${c.type}` },
      { header: 'STATUS', value: (c) => c.status },
      { header: 'REASON', value: (c) => c.reason ?? '' },
      { header: 'AGE', value: (c) => formatAge(c.lastTransitionTime) },
      { header: 'MESSAGE', value: (c) => c.message ?? '' },
    ]).trimEnd(),
  ];
  if (objects.length > 0) {
    lines.push('', 'Objects:', formatTable(objects, [
      { header: '  OBJECT', value: (o) => `  ${o.object}` },
      { header: 'HEALTH', value: (o) => o.health },
      { header: 'MESSAGE', value: (o) => o.message, wide: !wide },
    ], true).trimEnd());
  }
  const drift = isJsonObject(status.drift) && Array.isArray(status.drift.objects) ? status.drift.objects.filter(isJsonObject) : [];
  if (drift.length > 0) {
    lines.push('', `Drift (${view.drift} objects; see ferry diff ${view.name} -n ${view.namespace}):`);
    for (const object of drift) {
      const paths = Array.isArray(object.paths) ? object.paths.join(', ') : '';
      lines.push(`  ${String(object.ref)}  ${String(object.change)}${paths ? `  ${paths}` : ''}`);
    }
  }
  const history = Array.isArray(status.history) ? status.history.filter(isJsonObject) : [];
  if (history.length > 0) {
    lines.push('', 'Recent history:');
    for (const entry of history) {
      lines.push(`  #${String(entry.number)}  ${shortRevision(String(entry.revision))}  ${String(entry.action)}  ${String(entry.result)}  ${formatAge(String(entry.time))} ago  ${String(entry.message ?? '')}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
