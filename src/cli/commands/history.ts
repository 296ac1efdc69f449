import type { Command } from 'commander';
import { HistoryStore, type HistorySummary } from '../../history/index.js';
import { formatDuration, shortRevision } from '../../sync/index.js';
import { connect, getGitSync, globalOptions, namespaceOf } from '../cluster.js';
import type { CliIO } from '../context.js';
import { formatAge, parseOutputFormat, printData, type Column } from '../output.js';

const COLUMNS: Column<HistorySummary>[] = [
  { header: 'ENTRY', value: (h) => String(h.number) },
  { header: 'REVISION', value: (h) => shortRevision(h.revision) },
  { header: 'ACTION', value: (h) => h.action },
  { header: 'RESULT', value: (h) => h.result },
  { header: 'AGE', value: (h) => formatAge(h.time) },
  { header: 'DURATION', value: (h) => formatDuration(h.durationMs) },
  { header: 'TIME', value: (h) => h.time, wide: true },
  { header: 'FULL REVISION', value: (h) => h.revision, wide: true },
  { header: 'MESSAGE', value: (h) => h.message },
];

export function registerHistory(program: Command, io: CliIO): void {
  program
    .command('history')
    .description('list the revisions a GitSync applied, with results and durations')
    .argument('<name>', 'the GitSync')
    .option('-o, --output <format>', 'table, wide, json or yaml', 'table')
    .action(async (name: string, flags: { output?: string }, command: Command) => {
      const format = parseOutputFormat(flags.output);
      const options = globalOptions(command);
      const client = connect(options);
      const namespace = namespaceOf(options, client);
      await getGitSync(client, namespace, name);
      const entries = await new HistoryStore(client, namespace, name).list();
      if (entries.length === 0 && (format === 'table' || format === 'wide')) {
        io.stderr.write(`GitSync/${namespace}/${name} has no history yet.\n`);
        return;
      }
      printData(io, format, { items: entries }, { rows: entries, columns: COLUMNS });
    });
}
