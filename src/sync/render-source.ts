import type { KubeObject } from '../objects.js';
import { objectKey, refOf } from '../objects.js';
import { describeError } from '../errors.js';
import type { SourceTree } from '../source/index.js';
import { clusterFactsFromDiscovery, renderManifests, sharedRenderCache, type ClusterFacts, type RenderResult } from '../render/index.js';
import type { SyncSettings } from './settings.js';
import { helmOptionsOf } from './helm-settings.js';
import { SyncReason } from './outcome.js';
import { finish, proceed, stop, type ReconcileRun, type Step } from './run.js';
import type { FetchedSource } from './fetch-source.js';

/**
 * Renders the fetched tree into validated objects, as the sync's render settings say, with the
 * scopes of kinds from the cluster (`cluster`; without it the built-in table decides).
 */
export async function renderSource(settings: SyncSettings, tree: SourceTree, cluster?: ClusterFacts): Promise<KubeObject[]> {
  return (await renderWithSources(settings, tree, cluster)).objects.map((item) => item.object);
}

function renderWithSources(settings: SyncSettings, tree: SourceTree, cluster?: ClusterFacts): Promise<RenderResult> {
  return renderManifests({
    tree,
    path: settings.source.path ?? '.',
    type: settings.renderType,
    ...(settings.substitute ? { substitute: settings.substitute } : {}),
    ...(settings.targetNamespace ? { targetNamespace: settings.targetNamespace } : {}),
    ...(cluster ? { cluster } : {}),
    helm: helmOptionsOf(settings),
    cache: sharedRenderCache,
  });
}

/** A revision's rendered objects. */
export interface RenderedRevision {
  revision: string;
  objects: KubeObject[];
  /** `file:line` of each object, by object key: apply names them in its errors. */
  sources: ReadonlyMap<string, string>;
}

/** The render step: a revision that cannot be rendered ends the reconcile as RenderFailed. */
export async function renderRevision(run: ReconcileRun, fetched: FetchedSource): Promise<Step<RenderedRevision>> {
  try {
    const rendered = await renderWithSources(run.settings, fetched.tree, clusterFactsFromDiscovery(run.deps.client));
    const objects = rendered.objects.map((item) => item.object);
    const sources = new Map(rendered.objects.map((item) => [objectKey(refOf(item.object)), `${item.source.file}:${item.source.line}`]));
    run.emit({ type: 'rendered', count: objects.length });
    return proceed({ revision: fetched.revision, objects, sources });
  } catch (error) {
    return stop(finish(run, { result: 'Failed', reason: SyncReason.RenderFailed, message: describeError(error), revision: fetched.revision }));
  }
}
