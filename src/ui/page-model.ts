/**
 * The GitSync page: conditions, the managed objects grouped by kind in apply order with their
 * owned children (ReplicaSets, Pods, Jobs) beneath them, the drift with its diffs, the history
 * and recent Events. Pure: it takes what the live model holds and returns plain data, so it is
 * tested directly and nothing but this shape ever reaches the browser.
 */
import type { KubeObject, ObjectRef } from '../objects.js';
import { formatRef, isJsonObject } from '../objects.js';
import { assessHealth } from '../health/index.js';
import { kindRank } from '../apply/index.js';
import type { HistorySummary } from '../history/index.js';
import { findLastGood } from '../history/index.js';
import { listedInventory, shortRevision } from '../sync/index.js';
import type { Condition } from '../gitsync/index.js';
import { overviewRow, type OverviewRow } from './overview-model.js';
import { commitUrl } from './commit-link.js';

export interface ObjectNode {
  /** `Kind/namespace/name`, as the CLI prints objects. */
  ref: string;
  kind: string;
  name: string;
  namespace?: string;
  health: string;
  message: string;
  children: ObjectNode[];
}

export interface ObjectGroup {
  kind: string;
  objects: ObjectNode[];
}

export interface DriftView {
  ref: string;
  change: string;
  paths: string[];
  /** The unified diff, live → Git, Secret values masked as `ferry diff` masks them. */
  diff?: string;
}

export interface HistoryRow {
  number: number;
  revision: string;
  commitUrl?: string;
  action: string;
  result: string;
  time: string;
  durationMs: number;
  message: string;
  lastGood: boolean;
  /** The entry the cluster runs now (the newest one). */
  current: boolean;
}

export interface EventRow {
  type: string;
  reason: string;
  message: string;
  object: string;
  count: number;
  time: string;
}

export interface GitSyncPage {
  row: OverviewRow;
  conditions: Condition[];
  revisions: { applied?: string; lastGood?: string; attempted?: string; failed?: string; pinned?: string };
  groups: ObjectGroup[];
  drift: DriftView[];
  /** Set while the diffs could not be computed (the source unreachable …): the paths still show. */
  diffError?: string;
  history: HistoryRow[];
  events: EventRow[];
}

export interface PageInputs {
  gitsync: KubeObject;
  /**
   * The managed objects (src/sync readInventory): what status lists, or for a GitSync of more than
   * 500 objects, whose status holds a summary, the history entry's. Default: what status lists.
   */
  inventory?: ObjectRef[];
  /** Live objects the page may show: the managed ones and their children, any order. */
  live: Iterable<KubeObject>;
  /** Events in the GitSync's namespace and the namespaces of its objects. */
  events: Iterable<KubeObject>;
  history: HistorySummary[];
  /** Unified diffs by `Kind/namespace/name`, already masked. */
  diffs?: Map<string, string>;
  diffError?: string;
  /** How many Events to list, newest first (default 50). */
  eventLimit?: number;
}

/** The kinds whose objects show beneath their owner, as `kubectl tree` nests them. */
export const CHILD_KINDS: ReadonlyArray<{ apiVersion: string; kind: string }> = [
  { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  { apiVersion: 'v1', kind: 'Pod' },
  { apiVersion: 'batch/v1', kind: 'Job' },
];

export function buildGitSyncPage(inputs: PageInputs): GitSyncPage {
  const { gitsync } = inputs;
  const status = isJsonObject(gitsync.status) ? gitsync.status : {};
  const row = overviewRow(gitsync);
  const live = new Map<string, KubeObject>();
  const byOwner = new Map<string, KubeObject[]>();
  for (const object of inputs.live) {
    live.set(keyOf(object.kind, object.metadata.namespace, object.metadata.name), object);
    const owners = Array.isArray(object.metadata.ownerReferences) ? object.metadata.ownerReferences.filter(isJsonObject) : [];
    for (const owner of owners) {
      if (typeof owner.uid !== 'string') continue;
      const siblings = byOwner.get(owner.uid);
      if (siblings) siblings.push(object);
      else byOwner.set(owner.uid, [object]);
    }
  }
  const inventory = inputs.inventory ?? listedInventory(status);
  const managed = new Set(inventory.map((ref) => keyOf(ref.kind, ref.namespace, ref.name)));
  const groups = new Map<string, { rank: number; objects: ObjectNode[] }>();
  for (const ref of inventory) {
    const object = live.get(keyOf(ref.kind, ref.namespace, ref.name));
    const node = nodeFor(ref, object, byOwner, managed, new Set());
    const group = groups.get(ref.kind) ?? { rank: kindRank(ref.apiVersion, ref.kind), objects: [] };
    group.objects.push(node);
    groups.set(ref.kind, group);
  }
  const text = (key: string) => (typeof status[key] === 'string' && status[key] ? shortRevision(status[key] as string) : undefined);
  const revisions = {
    ...(text('lastAppliedRevision') ? { applied: text('lastAppliedRevision') } : {}),
    ...(text('lastGoodRevision') ? { lastGood: text('lastGoodRevision') } : {}),
    ...(text('lastAttemptedRevision') ? { attempted: text('lastAttemptedRevision') } : {}),
    ...(text('failedRevision') ? { failed: text('failedRevision') } : {}),
    ...(row.pinned ? { pinned: row.pinned } : {}),
  };
  return {
    row,
    conditions: conditionsOf(status),
    revisions,
    groups: [...groups.entries()]
      .sort(([kindA, a], [kindB, b]) => a.rank - b.rank || kindA.localeCompare(kindB))
      .map(([kind, group]) => ({ kind, objects: group.objects.sort((a, b) => a.ref.localeCompare(b.ref)) })),
    drift: driftOf(status, inputs.diffs),
    ...(inputs.diffError ? { diffError: inputs.diffError } : {}),
    history: historyRows(inputs.history, row.url),
    events: eventRows(gitsync, inputs.events, managed, inputs.eventLimit ?? 50),
  };
}

function keyOf(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

function nodeFor(ref: { kind: string; namespace?: string | undefined; name: string }, object: KubeObject | undefined, byOwner: Map<string, KubeObject[]>, managed: Set<string>, seen: Set<string>): ObjectNode {
  // Secrets show as their name and health only: the live object stays on the server.
  const health = assessHealth(object);
  const uid = object?.metadata.uid;
  const children = uid && !seen.has(uid)
    ? (byOwner.get(uid) ?? [])
        // A child that is itself managed shows in its own group, not twice.
        .filter((child) => !managed.has(keyOf(child.kind, child.metadata.namespace, child.metadata.name)))
        .map((child) => nodeFor({ kind: child.kind, namespace: child.metadata.namespace, name: child.metadata.name }, child, byOwner, managed, new Set([...seen, uid])))
        .sort((a, b) => a.ref.localeCompare(b.ref))
    : [];
  return {
    ref: formatRef(ref),
    kind: ref.kind,
    name: ref.name,
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
    health: health.status,
    message: health.message,
    children,
  };
}

function conditionsOf(status: Record<string, unknown>): Condition[] {
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isJsonObject) : [];
  return conditions.map((c) => ({
    type: String(c.type ?? ''),
    status: String(c.status ?? 'Unknown'),
    ...(typeof c.reason === 'string' ? { reason: c.reason } : {}),
    ...(typeof c.message === 'string' ? { message: c.message } : {}),
    ...(typeof c.lastTransitionTime === 'string' ? { lastTransitionTime: c.lastTransitionTime } : {}),
  }));
}

function driftOf(status: Record<string, unknown>, diffs: Map<string, string> | undefined): DriftView[] {
  const drift = isJsonObject(status.drift) && Array.isArray(status.drift.objects) ? status.drift.objects.filter(isJsonObject) : [];
  return drift.map((object) => {
    const ref = String(object.ref ?? '');
    const diff = diffs?.get(ref);
    return {
      ref,
      change: String(object.change ?? 'changed'),
      paths: Array.isArray(object.paths) ? object.paths.map(String) : [],
      ...(diff ? { diff } : {}),
    };
  });
}

function historyRows(history: HistorySummary[], url: string): HistoryRow[] {
  const lastGood = findLastGood(history)?.number;
  const newest = history.at(-1)?.number;
  return [...history].reverse().map((entry) => {
    const link = commitUrl(url, entry.revision);
    return {
      number: entry.number,
      revision: shortRevision(entry.revision),
      ...(link ? { commitUrl: link } : {}),
      action: entry.action,
      result: entry.result,
      time: entry.time,
      durationMs: entry.durationMs,
      message: entry.message,
      lastGood: entry.number === lastGood,
      current: entry.number === newest,
    };
  });
}

function eventRows(gitsync: KubeObject, events: Iterable<KubeObject>, managed: Set<string>, limit: number): EventRow[] {
  const rows: EventRow[] = [];
  for (const event of events) {
    const involved = isJsonObject(event.involvedObject) ? event.involvedObject : {};
    const kind = String(involved.kind ?? '');
    const name = String(involved.name ?? '');
    const namespace = typeof involved.namespace === 'string' ? involved.namespace : undefined;
    const isGitSync = kind === gitsync.kind && name === gitsync.metadata.name && namespace === gitsync.metadata.namespace;
    if (!isGitSync && !managed.has(keyOf(kind, namespace, name))) continue;
    rows.push({
      type: String(event.type ?? 'Normal'),
      reason: String(event.reason ?? ''),
      message: String(event.message ?? event.note ?? ''),
      object: formatRef({ kind, name, namespace }),
      count: typeof event.count === 'number' ? event.count : 1,
      time: String(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp ?? ''),
    });
  }
  return rows.sort((a, b) => b.time.localeCompare(a.time)).slice(0, limit);
}
