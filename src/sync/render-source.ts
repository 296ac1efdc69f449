import type { KubeObject } from '../objects.js';
import { describeError } from '../errors.js';
import type { SourceFile } from '../source/index.js';
import { renderManifests } from '../render/index.js';
import type { SyncSettings } from './settings.js';
import { SyncReason } from './outcome.js';
import { finish, proceed, stop, type ReconcileRun, type Step } from './run.js';
import type { FetchedSource } from './fetch-source.js';

/** Renders fetched files into validated objects, as the sync's render settings say. */
export async function renderSource(settings: SyncSettings, files: SourceFile[]): Promise<KubeObject[]> {
  const result = await renderManifests({
    files,
    path: settings.source.path ?? '.',
    type: settings.renderType,
    substitute: settings.substitute,
    ...(settings.targetNamespace ? { targetNamespace: settings.targetNamespace } : {}),
  });
  return result.objects.map((item) => item.object);
}

/** A revision's rendered objects. */
export interface RenderedRevision {
  revision: string;
  objects: KubeObject[];
}

/** The render step: a revision that cannot be rendered ends the reconcile as RenderFailed. */
export async function renderRevision(run: ReconcileRun, fetched: FetchedSource): Promise<Step<RenderedRevision>> {
  try {
    const objects = await renderSource(run.settings, fetched.files);
    run.emit({ type: 'rendered', count: objects.length });
    return proceed({ revision: fetched.revision, objects });
  } catch (error) {
    return stop(finish(run, { result: 'Failed', reason: SyncReason.RenderFailed, message: describeError(error), revision: fetched.revision }));
  }
}
