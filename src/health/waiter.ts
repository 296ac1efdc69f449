import type { KubeObject, ObjectRef } from '../objects.js';
import { sleep } from '../sleep.js';
import { assessHealth, isTerminal } from './rules.js';
import type { Health } from './status.js';
import { summarizeHealth, type HealthSnapshot } from './snapshot.js';

export type { HealthSnapshot } from './snapshot.js';

/** Listing objects of one kind (src/kube's KubeClient has it). */
export interface HealthListClient {
  list(apiVersion: string, kind: string, options?: { namespace?: string; labelSelector?: string }): Promise<KubeObject[]>;
}

export interface WaitOptions {
  timeoutMs: number;
  /** Time between polls (default 2 s). */
  intervalMs?: number;
  signal?: AbortSignal;
  /** Narrows every LIST, e.g. `ferry.dev/sync=ns.name`. */
  labelSelector?: string;
  onProgress?: (snapshot: HealthSnapshot) => void;
}

export interface WaitResult extends HealthSnapshot {
  healthy: boolean;
  timedOut: boolean;
  /** The signal aborted: the wait stopped without a verdict (neither healthy nor failed). */
  cancelled: boolean;
}

/**
 * Polls until every object is Healthy, the timeout passes, or an object fails in a way waiting
 * cannot fix (a failed Job, a Deployment past its progress deadline). Each poll lists every
 * (kind, namespace) group once instead of getting objects one by one. An aborted signal ends the
 * wait as `cancelled`: a wait that was interrupted says nothing about the objects' health.
 */
export async function waitForHealth(client: HealthListClient, refs: ObjectRef[], options: WaitOptions): Promise<WaitResult> {
  const started = Date.now();
  const groups = groupRefs(refs);
  const cancelled = (snapshot: HealthSnapshot): WaitResult => ({ ...snapshot, healthy: false, timedOut: false, cancelled: true });
  if (options.signal?.aborted) return cancelled({ results: [], overall: { status: 'Unknown', message: 'the wait was cancelled' }, elapsedMs: 0 });
  for (;;) {
    const snapshot = await pollOnce(client, groups, options.labelSelector, started);
    options.onProgress?.(snapshot);
    if (options.signal?.aborted) return cancelled(snapshot);
    const allHealthy = snapshot.results.every((r) => r.health.status === 'Healthy');
    if (allHealthy) return { ...snapshot, healthy: true, timedOut: false, cancelled: false };
    if (snapshot.terminal) return { ...snapshot, healthy: false, timedOut: false, cancelled: false };
    if (Date.now() - started >= options.timeoutMs) return { ...snapshot, healthy: false, timedOut: true, cancelled: false };
    await sleep(Math.min(options.intervalMs ?? 2000, Math.max(0, options.timeoutMs - (Date.now() - started))), options.signal);
  }
}

interface Group {
  apiVersion: string;
  kind: string;
  namespace?: string;
  refs: ObjectRef[];
}

function groupRefs(refs: ObjectRef[]): Group[] {
  const groups = new Map<string, Group>();
  for (const ref of refs) {
    const key = `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}`;
    const group = groups.get(key) ?? { apiVersion: ref.apiVersion, kind: ref.kind, ...(ref.namespace ? { namespace: ref.namespace } : {}), refs: [] };
    group.refs.push(ref);
    groups.set(key, group);
  }
  return [...groups.values()];
}

async function pollOnce(client: HealthListClient, groups: Group[], labelSelector: string | undefined, started: number): Promise<HealthSnapshot & { terminal: boolean }> {
  const results: Array<{ ref: ObjectRef; health: Health }> = [];
  let terminal = false;
  await Promise.all(
    groups.map(async (group) => {
      let objects: KubeObject[] | undefined;
      try {
        objects = await client.list(group.apiVersion, group.kind, { ...(group.namespace ? { namespace: group.namespace } : {}), ...(labelSelector ? { labelSelector } : {}) });
      } catch (error) {
        for (const ref of group.refs) results.push({ ref, health: { status: 'Unknown', message: `cannot read: ${error instanceof Error ? error.message : String(error)}` } });
        return;
      }
      const byName = new Map(objects.map((object) => [object.metadata.name, object]));
      for (const ref of group.refs) {
        const object = byName.get(ref.name);
        const health = assessHealth(object);
        if (isTerminal(object, health)) terminal = true;
        results.push({ ref, health });
      }
    }),
  );
  return { ...summarizeHealth(results, Date.now() - started), terminal };
}

