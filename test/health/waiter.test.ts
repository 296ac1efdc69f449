import { describe, expect, it } from 'vitest';
import type { KubeObject, ObjectRef } from '../../src/objects.js';
import { waitForHealth, type HealthListClient } from '../../src/health/index.js';

/** An in-memory stand-in for the Kubernetes list API whose objects change between polls. */
class ScriptedCluster implements HealthListClient {
  lists = 0;
  constructor(private readonly rounds: KubeObject[][]) {}
  async list(apiVersion: string, kind: string, options: { namespace?: string } = {}): Promise<KubeObject[]> {
    const round = this.rounds[Math.min(Math.floor(this.lists / this.groupsPerRound), this.rounds.length - 1)] ?? [];
    this.lists++;
    return round.filter((o) => o.apiVersion === apiVersion && o.kind === kind && (!options.namespace || o.metadata.namespace === options.namespace));
  }
  groupsPerRound = 1;
}

const deployment = (name: string, available: number, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'shop', generation: 1 },
  spec: { replicas: 2 },
  status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: available, ...extra },
});
const ref = (name: string, kind = 'Deployment', apiVersion = 'apps/v1'): ObjectRef => ({ apiVersion, kind, namespace: 'shop', name });

describe('waitForHealth', () => {
  it('polls until every object is healthy, listing each kind once per round', async () => {
    const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' } };
    const cluster = new ScriptedCluster([
      [deployment('a', 0), deployment('b', 1), configMap],
      [deployment('a', 1), deployment('b', 2), configMap],
      [deployment('a', 2), deployment('b', 2), configMap],
    ]);
    cluster.groupsPerRound = 2;
    const snapshots: string[] = [];
    const result = await waitForHealth(cluster, [ref('a'), ref('b'), ref('cfg', 'ConfigMap', 'v1')], {
      timeoutMs: 10_000,
      intervalMs: 1,
      onProgress: (s) => snapshots.push(s.overall.status),
    });
    expect(result.healthy).toBe(true);
    expect(snapshots).toEqual(['Progressing', 'Progressing', 'Healthy']);
    // 3 rounds × 2 groups (Deployments, ConfigMaps): no per-object GETs.
    expect(cluster.lists).toBe(6);
  });

  it('stops at the timeout with the worst object named in the message', async () => {
    const cluster = new ScriptedCluster([[deployment('a', 0)]]);
    const result = await waitForHealth(cluster, [ref('a')], { timeoutMs: 30, intervalMs: 5 });
    expect(result).toMatchObject({ healthy: false, timedOut: true });
    expect(result.overall.message).toBe('Deployment/shop/a: Progressing: 0 of 2 updated replicas available');
  });

  it('returns early when waiting cannot help (progress deadline exceeded)', async () => {
    const failed = deployment('a', 0, { conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' }] });
    const cluster = new ScriptedCluster([[failed]]);
    const result = await waitForHealth(cluster, [ref('a')], { timeoutMs: 60_000, intervalMs: 5 });
    expect(result).toMatchObject({ healthy: false, timedOut: false });
    expect(result.overall.status).toBe('Degraded');
    expect(cluster.lists).toBe(1);
  });

  it('reports objects that do not exist as Missing', async () => {
    const result = await waitForHealth(new ScriptedCluster([[]]), [ref('ghost')], { timeoutMs: 0 });
    expect(result.results[0]?.health.status).toBe('Missing');
  });

  it('an aborted wait is cancelled, neither healthy nor timed out, and polls no more', async () => {
    const cluster = new ScriptedCluster([[deployment('a', 0)]]);
    const abort = new AbortController();
    const result = await waitForHealth(cluster, [ref('a')], { timeoutMs: 60_000, intervalMs: 5, signal: abort.signal, onProgress: () => abort.abort() });
    expect(result).toMatchObject({ healthy: false, timedOut: false, cancelled: true });
    expect(cluster.lists).toBe(1);
  });
});
