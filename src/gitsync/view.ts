/**
 * Reading a GitSync's status for display: the printer-column values and the detailed view. Pure
 * functions over the object as the API serves it.
 */
import type { KubeObject } from '../objects.js';
import { isJsonObject } from '../objects.js';
import { shortRevision } from '../sync/index.js';
import { SHARD_OWNER_ANNOTATION } from '../well-known.js';

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface GitSyncStatusView {
  namespace: string;
  name: string;
  url: string;
  ref: string;
  revision: string;
  ready: string;
  health: string;
  drift: number;
  suspended: boolean;
  pinned?: string;
  /** The agent replica that holds it (sharded agents, `ferry.dev/owner`). */
  owner?: string;
  message: string;
  lastSyncTime?: string;
  created?: string;
  conditions: Condition[];
  status: Record<string, unknown>;
}

export function viewGitSync(gitsync: KubeObject): GitSyncStatusView {
  const spec = isJsonObject(gitsync.spec) ? gitsync.spec : {};
  const source = isJsonObject(spec.source) ? spec.source : {};
  const status = isJsonObject(gitsync.status) ? gitsync.status : {};
  const conditions = Array.isArray(status.conditions) ? (status.conditions.filter(isJsonObject) as unknown as Condition[]) : [];
  const ready = conditions.find((c) => c.type === 'Ready');
  const drift = isJsonObject(status.drift) && typeof status.drift.count === 'number' ? status.drift.count : 0;
  const chart = isJsonObject(source.helm) ? source.helm : undefined;
  const ref = chart ? (typeof chart.version === 'string' && chart.version ? chart.version : 'latest') : refText(source.ref, status.resolvedRef);
  const applied = typeof status.lastAppliedRevision === 'string' ? status.lastAppliedRevision : '';
  return {
    namespace: gitsync.metadata.namespace ?? '',
    name: gitsync.metadata.name,
    // A chart from a repository: the chart where a Git URL goes; its revision already says chart@version.
    url: chart ? `${String(chart.repository ?? '').replace(/\/+$/, '')}/${String(chart.chart ?? '')}` : typeof source.url === 'string' ? source.url : '',
    ref,
    revision: applied ? (chart ? shortRevision(applied) : `${ref}@${shortRevision(applied)}`) : '',
    ready: ready?.status ?? 'Unknown',
    health: typeof status.health === 'string' ? status.health : 'Unknown',
    drift,
    suspended: spec.suspend === true,
    ...(typeof status.pinnedRevision === 'string' && status.pinnedRevision ? { pinned: status.pinnedRevision } : {}),
    ...(gitsync.metadata.annotations?.[SHARD_OWNER_ANNOTATION] ? { owner: gitsync.metadata.annotations[SHARD_OWNER_ANNOTATION] } : {}),
    message: ready?.message ?? '',
    ...(typeof status.lastSyncTime === 'string' ? { lastSyncTime: status.lastSyncTime } : {}),
    ...(gitsync.metadata.creationTimestamp ? { created: gitsync.metadata.creationTimestamp } : {}),
    conditions,
    status,
  };
}

/** The ref a GitSync follows; with none set, the branch the remote's HEAD resolved to last. */
function refText(ref: unknown, resolved: unknown): string {
  if (!isJsonObject(ref)) return typeof resolved === 'string' ? resolved.replace(/^refs\/(heads|tags)\//, '') : 'HEAD';
  if (typeof ref.branch === 'string') return ref.branch;
  if (typeof ref.tag === 'string') return ref.tag;
  if (typeof ref.semver === 'string') return `semver:${ref.semver}`;
  if (typeof ref.commit === 'string') return ref.commit.slice(0, 7);
  return 'HEAD';
}
