import { FerryError, describeError } from '../errors.js';
import { openLocalTree, sharedChartSource, type SourceTree } from '../source/index.js';
import { withValuesDigest } from './helm-settings.js';
import type { SyncSettings } from './settings.js';
import { SyncReason } from './outcome.js';
import { finish, proceed, stop, type ReconcileRun, type Step, type SyncDeps } from './run.js';
import { cancelled, isCancelled } from './cancel.js';

/** One revision of the source: its files, as a tree render reads on demand, the revision, and (Git) the ref it came from. */
export interface FetchedSource {
  tree: SourceTree;
  revision: string;
  ref?: string;
}

/**
 * Fetches the sync's source: the revision's tree (a kustomization under the sync path may use
 * bases elsewhere in the repository; render follows them and reads only those) and its revision.
 * A chart from a repository or registry is a revision of its own (`chart@version@digest`); values
 * from outside the revision (valuesFrom, inline, the command line) add their digest to it.
 */
export async function fetchSource(settings: SyncSettings, deps: Pick<SyncDeps, 'git' | 'charts'>, signal?: AbortSignal, maxAgeMs?: number): Promise<FetchedSource> {
  const fetched = await fetchTree(settings, deps, signal, maxAgeMs);
  return { ...fetched, revision: withValuesDigest(fetched.revision, settings.helm) };
}

async function fetchTree(settings: SyncSettings, deps: Pick<SyncDeps, 'git' | 'charts'>, signal?: AbortSignal, maxAgeMs?: number): Promise<FetchedSource> {
  const source = settings.source;
  if (source.type === 'helm') {
    const chart = await (deps.charts ?? sharedChartSource).fetch(
      { repository: source.repository, chart: source.chart, ...(source.version ? { version: source.version } : {}), ...(source.insecure ? { insecure: true } : {}) },
      source.credentials ?? {},
      signal,
    );
    return { tree: chart.tree, revision: chart.revision };
  }
  if (source.type === 'directory') {
    const tree = await openLocalTree(source.dir);
    return { tree, revision: tree.revision };
  }
  if (!deps.git) throw new FerryError('SYNC_NO_GIT', 'no Git client configured for a git source');
  const fetched = await deps.git.fetch(source.url, {
    ...(source.ref ? { ref: source.ref } : {}),
    ...(source.credentials ? { credentials: source.credentials } : {}),
    ...(signal ? { signal } : {}),
    ...(source.timeoutMs !== undefined ? { timeoutMs: source.timeoutMs } : {}),
    ...(maxAgeMs ? { maxAgeMs } : {}),
  });
  return { tree: await deps.git.tree(source.url, fetched.commit), revision: fetched.commit, ref: fetched.ref };
}

/** The fetch step: a source that cannot be read ends the reconcile as SourceUnavailable. */
export async function fetchRevision(run: ReconcileRun): Promise<Step<FetchedSource>> {
  if (isCancelled(run)) return stop(cancelled(run, { during: 'fetch' }));
  try {
    const fetched = await fetchSource(run.settings, run.deps, run.options.signal, run.options.sourceMaxAgeMs);
    if (isCancelled(run)) return stop(cancelled(run, { during: 'fetch', revision: fetched.revision }));
    run.emit({ type: 'source', revision: fetched.revision, ...(fetched.ref ? { ref: fetched.ref } : {}) });
    return proceed(fetched);
  } catch (error) {
    if (isCancelled(run)) return stop(cancelled(run, { during: 'fetch' }));
    run.logger.warn({ err: describeError(error) }, 'source unavailable');
    return stop(finish(run, { result: 'Failed', reason: SyncReason.SourceUnavailable, message: describeError(error) }));
  }
}
