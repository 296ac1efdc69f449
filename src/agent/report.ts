import type { KubeObject } from '../objects.js';
import { isJsonObject } from '../objects.js';
import { GITSYNC_API_VERSION, GITSYNC_KIND } from '../well-known.js';
import type { KubeClient } from '../kube/index.js';
import type { SyncOutcome } from '../sync/index.js';
import { recordEvent } from './events.js';
import type { RequestSnapshot } from './requests.js';
import { statusChanged, statusFromOutcome } from './status.js';

/**
 * Writes what a reconcile found onto its GitSync: the status (only when it changed, or to
 * refresh an old sync time) and, unless nothing happened, an Event.
 */
export async function reportOutcome(client: KubeClient, gitsync: KubeObject, outcome: SyncOutcome, request: RequestSnapshot, pinnedRevision: string | undefined): Promise<void> {
  await writeStatus(client, gitsync, outcome, request, pinnedRevision);
  if (outcome.result !== 'Unchanged') {
    // A cancelled reconcile (a rollout of ferry itself) is routine, not a warning.
    const type = outcome.result === 'Synced' || outcome.result === 'DryRun' || outcome.result === 'Cancelled' ? 'Normal' : 'Warning';
    await recordEvent(client, gitsync, type, outcome.reason, outcome.message);
    // Said once per reconcile that applied something, not on every unchanged poll.
    if (outcome.historyIncomplete) await recordEvent(client, gitsync, 'Warning', 'HistoryIncomplete', outcome.historyIncomplete);
  }
}

async function writeStatus(client: KubeClient, gitsync: KubeObject, outcome: SyncOutcome, request: RequestSnapshot, pinnedRevision: string | undefined): Promise<void> {
  const previous = isJsonObject(gitsync.status) ? gitsync.status : undefined;
  const status = statusFromOutcome({
    previous,
    outcome,
    generation: request.generation,
    now: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...(request.requestedAt ? { requestedAt: request.requestedAt } : {}),
    ...(pinnedRevision ? { pinnedRevision } : {}),
  });
  if (!statusChanged(previous, status)) return;
  const patch: Record<string, unknown> = { ...status };
  if (!pinnedRevision && previous?.pinnedRevision) patch.pinnedRevision = null;
  // A merge patch keeps what it does not name: the inventory's other form goes explicitly.
  if (status.inventory === undefined && previous?.inventory !== undefined) patch.inventory = null;
  if (status.inventorySummary === undefined && previous?.inventorySummary !== undefined) patch.inventorySummary = null;
  await client.mergePatch({ apiVersion: GITSYNC_API_VERSION, kind: GITSYNC_KIND, namespace: gitsync.metadata.namespace ?? 'default', name: gitsync.metadata.name }, { status: patch }, { subresource: 'status' });
}
