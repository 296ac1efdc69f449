import type { Command } from 'commander';
import { resumeGitSync, suspendGitSync } from '../../gitsync/index.js';
import type { KubeClient } from '../../kube/index.js';
import { connect, globalOptions, namespaceOf } from '../cluster.js';
import type { CliIO } from '../context.js';

export function registerSuspend(program: Command, io: CliIO): void {
  registerGitSyncSwitch(program, io, {
    command: 'suspend',
    description: 'stop reconciling a GitSync (nothing is applied or corrected until resume)',
    verb: suspendGitSync,
    done: 'suspended',
  });
}

export function registerResume(program: Command, io: CliIO): void {
  registerGitSyncSwitch(program, io, {
    command: 'resume',
    description: 'resume a suspended GitSync, or release a rollback pin and follow Git again',
    verb: resumeGitSync,
    done: 'resumed',
  });
}

/** A command that switches one existing GitSync and says so, as `kubectl` verbs do. */
function registerGitSyncSwitch(
  program: Command,
  io: CliIO,
  spec: { command: string; description: string; verb: (client: KubeClient, namespace: string, name: string) => Promise<void>; done: string },
): void {
  program
    .command(spec.command)
    .description(spec.description)
    .argument('<name>', 'the GitSync')
    .action(async (name: string, _flags: unknown, command: Command) => {
      const options = globalOptions(command);
      const client = connect(options);
      const namespace = namespaceOf(options, client);
      await spec.verb(client, namespace, name);
      io.stdout.write(`gitsync.ferry.dev/${name} ${spec.done}\n`);
    });
}
