/**
 * Printing as kubectl does: aligned tables with upper-case headers, `-o wide` for extra columns,
 * and `-o json|yaml` for machines. Every command prints through these so formats stay uniform.
 */
import { stringify } from 'yaml';
import { FerryError } from '../errors.js';
import type { CliIO } from './context.js';

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml';

/** Validates `-o`; `allowed` narrows it for commands without a wide view. */
export function parseOutputFormat(value: string | undefined, allowed: readonly OutputFormat[] = ['table', 'wide', 'json', 'yaml']): OutputFormat {
  const format = (value ?? 'table') as OutputFormat;
  if (!allowed.includes(format)) {
    throw new FerryError('CLI_BAD_OUTPUT', `unknown output format "${value}": use one of ${allowed.join(', ')}`);
  }
  return format;
}

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** Shown only with `-o wide`. */
  wide?: boolean;
}

/** Renders rows as an aligned table (three spaces between columns, like kubectl). */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[], wide = false): string {
  const shown = columns.filter((column) => wide || !column.wide);
  const cells = rows.map((row) => shown.map((column) => column.value(row)));
  const widths = shown.map((column, i) => Math.max(column.header.length, ...cells.map((line) => (line[i] ?? '').length)));
  const render = (line: string[]) =>
    line
      .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [render(shown.map((column) => column.header)), ...cells.map(render)].join('\n') + '\n';
}

/**
 * Prints `data` as JSON or YAML, or the table for table/wide formats. Objects are shown without
 * `metadata.managedFields`, as kubectl shows them (unless asked with --show-managed-fields).
 */
export function printData<T>(io: CliIO, format: OutputFormat, data: unknown, table: { rows: readonly T[]; columns: readonly Column<T>[] }): void {
  if (format === 'json') io.stdout.write(`${JSON.stringify(withoutManagedFields(data), null, 2)}\n`);
  else if (format === 'yaml') io.stdout.write(stringify(withoutManagedFields(data), { lineWidth: 0 }));
  else io.stdout.write(formatTable(table.rows, table.columns, format === 'wide'));
}

function withoutManagedFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutManagedFields);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => {
      if (key === 'metadata' && inner && typeof inner === 'object' && !Array.isArray(inner) && 'managedFields' in inner) {
        const { managedFields: _managedFields, ...metadata } = inner as Record<string, unknown>;
        return [key, withoutManagedFields(metadata)];
      }
      return [key, withoutManagedFields(inner)];
    }),
  );
}

/** `2d`, `5h`, `3m`, `12s`: ages the way kubectl prints them. */
export function formatAge(since: string | undefined, now = Date.now()): string {
  if (!since) return '<unknown>';
  const seconds = Math.max(0, Math.floor((now - Date.parse(since)) / 1000));
  if (Number.isNaN(seconds)) return '<unknown>';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}

/** ANSI colours, only on a terminal. */
export function paint(io: CliIO, colour: 'red' | 'green' | 'yellow' | 'dim' | 'bold', text: string): string {
  if (!io.isTTY || io.env.NO_COLOR) return text;
  const codes = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
  return `\u001b[${codes[colour]}m${text}\u001b[0m`;
}
