import type { Command } from 'commander';
import { ROLLBACK_TO_ANNOTATION } from '../../well-known.js';
import { FerryError } from '../../errors.js';
import { HistoryStore, type HistorySummary } from '../../history/index.js';
import { shortRevision } from '../../sync/index.js';
import { connect, getGitSync, gitSyncRef, globalOptions, namespaceOf } from '../cluster.js';
import type { CliIO } from '../context.js';

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
      await getGitSync(client, namespace, name);
      const entries = await new HistoryStore(client, namespace, name).list();
      const target = chooseRollbackTarget(entries, flags.to);
      await client.mergePatch(gitSyncRef(namespace, name), { metadata: { annotations: { [ROLLBACK_TO_ANNOTATION]: String(target.number) } } });
      io.stdout.write(
        `gitsync.ferry.dev/${name} rolling back to entry ${target.number} (${shortRevision(target.revision)}); auto-sync is paused until: ferry resume ${name}\n`,
      );
    });
}

/**
 * The entry a rollback goes to: the one named by number or (a prefix of) its revision, else the
 * newest good entry whose revision differs from the newest entry's.
 */
export function chooseRollbackTarget(entries: HistorySummary[], to: string | undefined): HistorySummary {
  const good = entries.filter((entry) => entry.result === 'Succeeded');
  if (to !== undefined) {
    const byNumber = /^\d+$/.test(to) ? entries.find((entry) => entry.number === Number(to)) : undefined;
    const target = byNumber ?? [...good].reverse().find((entry) => to.length >= 7 && entry.revision.startsWith(to));
    if (!target) throw new FerryError('CLI_ROLLBACK_TARGET', `no history entry ${to} (see: ferry history)`);
    if (target.result !== 'Succeeded') throw new FerryError('CLI_ROLLBACK_TARGET', `history entry ${target.number} (${shortRevision(target.revision)}) failed; roll back to a good one`);
    return target;
  }
  const current = entries.at(-1)?.revision;
  const target = [...good].reverse().find((entry) => entry.revision !== current);
  if (!target) throw new FerryError('CLI_ROLLBACK_TARGET', 'no earlier good revision to roll back to (see: ferry history)');
  return target;
}
