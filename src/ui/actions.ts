/**
 * The page's actions, each exactly what the matching CLI command does and under the same
 * identity: Sync now (`ferry sync`), Suspend (`ferry suspend`), Resume and Release pin (both
 * `ferry resume`, which follows Git again), Roll back to an entry (`ferry rollback --to N`).
 * Refusals come back as data, a 403 as "you may not …", never as a crash.
 */
import { ForbiddenError, NotFoundError, type KubeClient } from '../kube/index.js';
import { FerryError, describeError } from '../errors.js';
import { requestSync, resumeGitSync, rollbackGitSync, suspendGitSync } from '../gitsync/index.js';
import { shortRevision } from '../sync/index.js';

export const ACTIONS = ['sync', 'suspend', 'resume', 'release', 'rollback'] as const;
export type ActionName = (typeof ACTIONS)[number];

/** How each action reads in "you may not …". */
const PHRASES: Record<ActionName, string> = {
  sync: 'sync',
  suspend: 'suspend',
  resume: 'resume',
  release: 'release the pin of',
  rollback: 'roll back',
};

export interface ActionResult {
  /** The HTTP status to answer with: 200, 400, 403, 404 or 500. */
  status: number;
  ok: boolean;
  message: string;
}

export function isActionName(name: string): name is ActionName {
  return (ACTIONS as readonly string[]).includes(name);
}

export async function runAction(client: KubeClient, action: ActionName, namespace: string, name: string, body: { entry?: unknown }): Promise<ActionResult> {
  const target = `GitSync ${namespace}/${name}`;
  try {
    switch (action) {
      case 'sync':
        await requestSync(client, namespace, name);
        return done(`sync of ${target} requested`);
      case 'suspend':
        await suspendGitSync(client, namespace, name);
        return done(`${target} suspended`);
      case 'resume':
        await resumeGitSync(client, namespace, name);
        return done(`${target} resumed: it follows Git again`);
      case 'release':
        await resumeGitSync(client, namespace, name);
        return done(`${target} released: it follows Git again`);
      case 'rollback': {
        if (typeof body.entry !== 'number' || !Number.isInteger(body.entry)) return { status: 400, ok: false, message: 'rollback needs the number of a history entry' };
        const entry = await rollbackGitSync(client, namespace, name, String(body.entry));
        return done(`${target} rolling back to entry ${entry.number} (${shortRevision(entry.revision)}); auto-sync is paused until it is released`);
      }
    }
  } catch (error) {
    if (error instanceof ForbiddenError) {
      return { status: 403, ok: false, message: `you may not ${PHRASES[action]} ${target}: ${describeError(error)}` };
    }
    if (error instanceof NotFoundError || (error instanceof FerryError && error.code === 'CLI_GITSYNC_NOT_FOUND')) return { status: 404, ok: false, message: describeError(error) };
    if (error instanceof FerryError) return { status: 400, ok: false, message: describeError(error) };
    return { status: 500, ok: false, message: describeError(error) };
  }
}

const done = (message: string): ActionResult => ({ status: 200, ok: true, message });
