import type { Command } from 'commander';
import { ROLLBACK_TO_ANNOTATION } from '../../well-known.js';
import { connect, getGitSync, gitSyncRef, globalOptions, namespaceOf } from '../cluster.js';
import type { CliIO } from '../context.js';

export function registerSuspend(program: Command, io: CliIO): void {
  registerGitSyncSwitch(program, io, {
    command: 'suspend',
    description: 'stop reconciling a GitSync (nothing is applied or corrected until resume)',
    patch: { spec: { suspend: true } },
    done: 'suspended',
  });
}

export function registerResume(program: Command, io: CliIO): void {
  registerGitSyncSwitch(program, io, {
    command: 'resume',
    description: 'resume a suspended GitSync, or release a rollback pin and follow Git again',
    patch: { spec: { suspend: false }, metadata: { annotations: { [ROLLBACK_TO_ANNOTATION]: null } } },
    done: 'resumed',
  });
}

/** A command that merge-patches one existing GitSync and says so, as `kubectl` verbs do. */
function registerGitSyncSwitch(program: Command, io: CliIO, spec: { command: string; description: string; patch: Record<string, unknown>; done: string }): void {
  program
    .command(spec.command)
    .description(spec.description)
    .argument('<name>', 'the GitSync')
    .action(async (name: string, _flags: unknown, command: Command) => {
      const options = globalOptions(command);
      const client = connect(options);
      const namespace = namespaceOf(options, client);
      // A clear NotFound first: a merge patch of a missing object would say less.
      await getGitSync(client, namespace, name);
      await client.mergePatch(gitSyncRef(namespace, name), spec.patch);
      io.stdout.write(`gitsync.ferry.dev/${name} ${spec.done}\n`);
    });
}
