import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/cluster.js';
import { runCli } from '../support/cli.js';
import { gitSync, startBed, type Bed } from './harness.js';

let bed: Bed;
beforeAll(async () => {
  bed = await startBed();
  await bed.startAgent();
});
afterAll(async () => bed?.stop());

const OBJECTS = 5_000;
const name = (i: number) => `payments-service-configuration-${String(i).padStart(4, '0')}`;

describe('GitSync status at 5,000 managed objects', () => {
  it('stays far below the 1.5 MiB an object may weigh, and ferry status still lists every object', { timeout: 600_000 }, async () => {
    const ns = await bed.cluster.newNamespace('large');
    const repo = await bed.git.createRepo(ns);
    const files: Record<string, string> = {};
    for (let f = 0; f < OBJECTS / 50; f++) {
      files[`deploy/part-${f}.yaml`] = Array.from({ length: 50 }, (_, d) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name(f * 50 + d)}\ndata:\n  value: "${f * 50 + d}"\n`).join('---\n');
    }
    const sha = await repo.commitAndPush(files);
    await bed.client.create(gitSync(ns, 'app', repo.url, { source: { url: repo.url, interval: '1h', path: 'deploy' } }));
    const synced = await eventually(async () => {
      const gitsync = await bed.client.getOrNull({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'app' });
      return (gitsync?.status as Record<string, unknown> | undefined)?.lastAppliedRevision === sha ? gitsync : undefined;
    }, 540_000, 500);

    // Counts per kind and where the list is, instead of 5,000 entries.
    const status = synced.status as Record<string, any>;
    expect(status.inventory).toBeUndefined();
    expect(status.inventorySummary).toEqual({ count: OBJECTS, kinds: [{ apiVersion: 'v1', kind: 'ConfigMap', count: OBJECTS }], revision: sha });
    expect(Buffer.byteLength(JSON.stringify(synced))).toBeLessThan(64 * 1024);

    // The agent still watches the kinds the summary counts (an unchanged poll reads them from there).
    if (bed.cluster.sim) await eventually(() => bed.cluster.sim?.requests.some((r) => r.verb === 'watch' && r.resource === 'configmaps'), 60_000);

    // The CLI finds the objects in the history entry the summary points to.
    const shown = await runCli(['--kubeconfig', bed.cluster.kubeconfigPath, '-n', ns, 'status', 'app']);
    expect(shown.exitCode).toBe(0);
    const listed = shown.stdout.split('\n').filter((line) => line.includes(`ConfigMap/${ns}/payments-service-configuration-`));
    expect(listed).toHaveLength(OBJECTS);
    expect(shown.stdout).toContain(`ConfigMap/${ns}/${name(OBJECTS - 1)}`);
  });
});
