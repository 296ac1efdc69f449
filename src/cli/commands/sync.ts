import type { Command } from 'commander';
import { FerryError } from '../../errors.js';
import { sleep } from '../../sleep.js';
import { isJsonObject } from '../../objects.js';
import { parseDuration } from '../../sync/index.js';
import { requestSync, viewGitSync } from '../../gitsync/index.js';
import { connect, getGitSync, globalOptions, namespaceOf } from '../cluster.js';
import { CliExit, ExitCode, type CliIO } from '../context.js';

export function registerSync(program: Command, io: CliIO): void {
  program
    .command('sync')
    .description('ask the agent to reconcile a GitSync now')
    .argument('<name>', 'the GitSync')
    .option('--wait', 'wait for the agent to finish and print the result')
    .option('--timeout <duration>', 'how long --wait waits', '5m')
    .option('--interval <duration>', 'how often --wait polls the status', '1s')
    .action(async (name: string, flags: { wait?: boolean; timeout: string; interval: string }, command: Command) => {
      const options = globalOptions(command);
      const client = connect(options);
      const namespace = namespaceOf(options, client);
      const requestedAt = await requestSync(client, namespace, name);
      if (!flags.wait) {
        io.stdout.write(`gitsync.ferry.dev/${name} sync requested\n`);
        return;
      }
      const deadline = Date.now() + parseDuration(flags.timeout, '--timeout');
      const interval = parseDuration(flags.interval, '--interval');
      io.stderr.write(`waiting for the agent to sync ${namespace}/${name} …\n`);
      for (;;) {
        const gitsync = await getGitSync(client, namespace, name);
        const status = isJsonObject(gitsync.status) ? gitsync.status : {};
        if (status.lastHandledRequestedAt === requestedAt) {
          const view = viewGitSync(gitsync);
          const result = String(status.lastSyncResult ?? '');
          io.stdout.write(`gitsync.ferry.dev/${name} ${result || 'synced'}: ${view.message}\n`);
          if (view.ready !== 'True') throw new CliExit(ExitCode.Failure);
          return;
        }
        if (Date.now() > deadline) {
          throw new FerryError('CLI_SYNC_TIMEOUT', `GitSync/${namespace}/${name}: the agent did not handle the sync request within ${flags.timeout}; is the agent running (kubectl -n ferry-system get pods)?`);
        }
        await sleep(interval);
      }
    });
}
