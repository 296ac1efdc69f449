import type { Command } from 'commander';
import { connect, getGitSync, gitSyncRef, globalOptions, namespaceOf } from '../cluster.js';
import type { CliIO } from '../context.js';
import { ROLLBACK_TO_ANNOTATION } from './rollback.js';

export function registerSuspend(program: Command, io: CliIO): void {
  program
    .command('suspend')
    .description('stop reconciling a GitSync (nothing is applied or corrected until resume)')
    .argument('<name>', 'the GitSync')
    .action(async (name: string, _flags: unknown, command: Command) => {
      const options = globalOptions(command);
      const client = connect(options);
      const namespace = namespaceOf(options, client);
      await getGitSync(client, namespace, name);
      await client.mergePatch(gitSyncRef(namespace, name), { spec: { suspend: true } });
      io.stdout.write(`gitsync.ferry.dev/${name} suspended\n`);
    });
}

export function registerResume(program: Command, io: CliIO): void {
  program
    .command('resume')
    .description('resume a suspended GitSync, or release a rollback pin and follow Git again')
    .argument('<name>', 'the GitSync')
    .action(async (name: string, _flags: unknown, command: Command) => {
      const options = globalOptions(command);
      const client = connect(options);
      const namespace = namespaceOf(options, client);
      await getGitSync(client, namespace, name);
      await client.mergePatch(gitSyncRef(namespace, name), {
        spec: { suspend: false },
        metadata: { annotations: { [ROLLBACK_TO_ANNOTATION]: null } },
      });
      io.stdout.write(`gitsync.ferry.dev/${name} resumed\n`);
    });
}
