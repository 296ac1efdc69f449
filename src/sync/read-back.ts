import type { KubeObject } from '../objects.js';
import { canonicalJson, formatRef, objectKey, refOf } from '../objects.js';
import { FerryError, describeError } from '../errors.js';
import { isSealedSecret, sealSecret, type HistoryEntry } from '../history/index.js';
import { clusterFactsFromDiscovery } from '../render/index.js';
import { fetchSource } from './fetch-source.js';
import { renderSource } from './render-source.js';
import type { RenderedRevision } from './render-source.js';
import type { SyncSettings } from './settings.js';
import { omittedObjectsMessage, shortRevision } from './messages.js';
import type { ReconcileRun } from './run.js';

/** A history entry made ready to apply again, or why it cannot be. */
export type ReadBack = { ok: true; objects: KubeObject[] } | { ok: false; message: string };

/**
 * The objects of a history entry, ready to apply again: history keeps Secrets sealed (digests,
 * never values), so each sealed Secret takes its values from the entry's revision, fetched and
 * rendered again the way the sync does (`rendered`, when it is that revision already, is used as
 * it is). A Secret is taken only when it seals to exactly what the entry recorded: a revision that
 * cannot be read back, or that renders other values now (an input changed), is refused as a whole,
 * before anything is written.
 */
export async function readBackEntry(run: ReconcileRun, entry: Pick<HistoryEntry, 'number' | 'revision' | 'objects' | 'objectsOmittedKiB'>, rendered?: RenderedRevision): Promise<ReadBack> {
  // Applying an entry kept without its objects would apply nothing and prune everything.
  if (entry.objectsOmittedKiB !== undefined) return { ok: false, message: omittedObjectsMessage(entry, 'the entry') };
  const sealed = entry.objects.filter(isSealedSecret);
  if (sealed.length === 0) return { ok: true, objects: entry.objects };
  const names = sealed.map((object) => describeObject(object)).join(', ');
  let again: KubeObject[];
  try {
    again = rendered?.revision === entry.revision ? rendered.objects : await renderRevisionAgain(run, entry.revision);
  } catch (error) {
    return { ok: false, message: `cannot read revision ${shortRevision(entry.revision)} back from the source for the values of ${names} (history keeps only their digests): ${describeError(error)}` };
  }
  const byKey = new Map(again.map((object) => [objectKey(refOf(object)), object]));
  const objects: KubeObject[] = [];
  for (const object of entry.objects) {
    if (!isSealedSecret(object)) {
      objects.push(object);
      continue;
    }
    const fromSource = byKey.get(objectKey(refOf(object)));
    if (!fromSource) return { ok: false, message: `${describeObject(object)}: revision ${shortRevision(entry.revision)}, read back from the source, no longer renders it` };
    if (canonicalJson(sealSecret(fromSource)) !== canonicalJson(object)) {
      return { ok: false, message: `${describeObject(object)}: revision ${shortRevision(entry.revision)}, read back from the source, renders other values than were applied (an input of the render changed)` };
    }
    objects.push(fromSource);
  }
  return { ok: true, objects };
}

/** Fetches `revision` of the sync's source (a Git commit by its SHA) and renders it as the sync does. */
async function renderRevisionAgain(run: ReconcileRun, revision: string): Promise<KubeObject[]> {
  const fetched = await fetchSource(pinnedTo(run.settings, revision), run.deps, run.options.signal);
  if (fetched.revision !== revision) {
    throw new FerryError('SYNC_REVISION_GONE', `the source holds revision ${shortRevision(fetched.revision)} now, and ${shortRevision(revision)} is not one a ${run.settings.source.type} source can be asked for again`);
  }
  return renderSource(run.settings, fetched.tree, clusterFactsFromDiscovery(run.deps.client));
}

/** The settings with a Git source pinned to the commit of `revision` (which may carry a values digest). */
function pinnedTo(settings: SyncSettings, revision: string): SyncSettings {
  if (settings.source.type !== 'git') return settings;
  const commit = revision.split('+')[0] ?? revision;
  return { ...settings, source: { ...settings.source, ref: { commit } } };
}

function describeObject(object: KubeObject): string {
  return formatRef(refOf(object));
}
