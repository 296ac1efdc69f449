import type { Command } from 'commander';
import { rollbackGitSync } from '../../gitsync/index.js';
import { shortRevision } from '../../sync/index.js';
import { connect, globalOptions, namespaceOf } from '../cluster.js';
import type { CliIO } from '../context.js';

export { chooseRollbackTarget } from '../../gitsync/index.js';

export function registerRollback(program: Command, io: CliIO): void {
  program
    .command('rollback')
    .description('pin a GitSync to an earlier good revision; auto-sync pauses until `ferry resume`')
    .argument('<name>', 'the GitSync')
    .option('--to <entry|sha>', 'a history entry number or commit SHA (default: the good revision before the current one)')
    .action(async (name: string, flags: { to?: string }, command: Command) => {
      const options = globalOptions(command);
      const client = connect(options);
      const namespace = namespaceOf(options, client);
      const target = await rollbackGitSync(client, namespace, name, flags.to);
      io.stdout.write(
        `gitsync.ferry.dev/${name} rolling back to entry ${target.number} (${shortRevision(target.revision)}); auto-sync is paused until: ferry resume ${name}\n`,
      );
    });
}
