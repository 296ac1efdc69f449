import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliIO } from '../context.js';

/** The version in package.json, found relative to this file in both src/ and dist/ layouts. */
export function ferryVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function registerVersion(program: Command, io: CliIO): void {
  program
    .command('version')
    .description('print the ferry version')
    .action(() => {
      io.stdout.write(`ferry ${ferryVersion()} (node ${process.version})\n`);
    });
}
