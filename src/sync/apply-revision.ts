import type { KubeObject } from '../objects.js';
import { applyObjects, type ApplyResult } from '../apply/index.js';
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
    force: settings.force,
    ignore: settings.ignore,
    dependencyTimeoutMs: settings.healthTimeoutMs,
    ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...mode,
    onEvent: (event) => emit({ type: 'apply', event }),
  });
}
