import { FerryError } from '../errors.js';
import { ROLLBACK_TO_ANNOTATION } from '../well-known.js';
import { HistoryStore, type HistoryClient, type HistorySummary } from '../history/index.js';
import { omittedObjectsMessage, shortRevision } from '../sync/index.js';
import { getGitSync, gitSyncRef, type GitSyncClient } from './lookup.js';

/**
 * Pins a GitSync to a good history entry (`ferry rollback`): the agent applies that entry and
 * pauses auto-sync until the pin is released (`ferry resume`). `to` is an entry number or (a
 * prefix of) a revision; without it, the good revision before the current one. Resolves to the
 * entry pinned.
 */
export async function rollbackGitSync(client: GitSyncClient & HistoryClient, namespace: string, name: string, to: string | undefined): Promise<HistorySummary> {
  await getGitSync(client, namespace, name);
  const entries = await new HistoryStore(client, namespace, name).list();
  const target = chooseRollbackTarget(entries, to);
  await client.mergePatch(gitSyncRef(namespace, name), { metadata: { annotations: { [ROLLBACK_TO_ANNOTATION]: String(target.number) } } });
  return target;
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
    return withObjects(target);
  }
  const current = entries.at(-1)?.revision;
  const target = [...good].reverse().find((entry) => entry.revision !== current);
  if (!target) throw new FerryError('CLI_ROLLBACK_TARGET', 'no earlier good revision to roll back to (see: ferry history)');
  return withObjects(target);
}

/** An entry kept without its objects (too large for history) has nothing to apply: refused before the pin. */
function withObjects(target: HistorySummary): HistorySummary {
  if (target.objectsOmittedKiB !== undefined) throw new FerryError('CLI_ROLLBACK_TARGET', omittedObjectsMessage(target));
  return target;
}
