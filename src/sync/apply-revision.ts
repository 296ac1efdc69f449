import type { KubeObject } from '../objects.js';
import { applyObjects, type AdoptionBounds, type ApplyResult } from '../apply/index.js';
import type { ReconcileRun } from './run.js';

/** How far an apply goes: all the way (default), to the server dry run, or to the diff. */
export interface ApplyMode {
  dryRun?: boolean;
  diffOnly?: boolean;
  /** `file:line` of each object, so failures name where Git defines them. */
  sources?: ReadonlyMap<string, string>;
}

/** The apply step: `objects` in dependency order against the three-way `base`, with the sync's settings. */
export function applyRevision(run: ReconcileRun, objects: KubeObject[], base: KubeObject[], mode: ApplyMode = {}): Promise<ApplyResult> {
  const { settings, deps, options, sync, emit } = run;
  return applyObjects(deps.client, {
    sync,
    desired: objects,
    base,
    adoption: adoptionBounds(run, base),
    force: settings.force,
    ignore: settings.ignore,
    dependencyTimeoutMs: settings.healthTimeoutMs,
    ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(deps.liveCache ? { liveCache: deps.liveCache } : {}),
    ...mode,
    onEvent: (event) => emit({ type: 'apply', event }),
  });
}

/**
 * Where `ferry.dev/adopt` reaches for this sync: the namespaces it targets (its own,
 * targetNamespace, the chart's namespace) and those of the objects it already manages; cluster-scoped
 * objects only when the agent allows it (`--allow-cluster-adoption`; the CLI acts as its user).
 */
function adoptionBounds(run: ReconcileRun, base: KubeObject[]): AdoptionBounds {
  const { settings, deps } = run;
  const managed = [...base.map((object) => object.metadata.namespace), ...(settings.inventory ?? []).map((ref) => ref.namespace)];
  const namespaces = [settings.namespace, settings.targetNamespace, settings.helm?.namespace, ...managed].filter((ns): ns is string => typeof ns === 'string' && ns !== '');
  return { namespaces: [...new Set(namespaces)], clusterScoped: deps.tenancy ? deps.tenancy.allowClusterAdoption === true : true };
}
