/**
 * A revision whose rendered objects are too large for one history Secret (the API server keeps a
 * Secret's data to 1 MiB): applied once, kept in the history without its objects, said so on the
 * GitSync, and a rollback to that entry (by `ferry rollback` or a pin set by hand) explains why it cannot run.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLLBACK_TO_ANNOTATION } from '../../src/well-known.js';
import { runCli } from '../support/cli.js';
import { eventually, simOnly } from '../support/cluster.js';
import { conditionOf, configMap, gitSync, startBed, type Bed } from './harness.js';

let bed: Bed;
beforeAll(async () => {
  bed = await startBed();
  await bed.startAgent();
}, 120_000);
afterAll(async () => bed?.stop());

const WAIT_MS = 90_000;
const getGitSync = (ns: string) => bed.client.getOrNull({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'big' });
const status = async (ns: string) => ((await getGitSync(ns))?.status ?? {}) as Record<string, any>;
const cli = (args: string[]) => runCli(['--kubeconfig', bed.cluster.kubeconfigPath, ...args]);

/** Eight ConfigMaps of 190 KiB of random text: 1.5 MiB that gzip cannot shrink below 1 MiB. */
const bigFiles = (): Record<string, string> => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 8; i++) files[`deploy/blob-${i}.yaml`] = configMap(`blob-${i}`, randomBytes(190 * 768).toString('base64'));
  return files;
};
/** Writes the sync made to its ConfigMaps (create, patch, update). */
const configMapWrites = (ns: string) =>
  (bed.cluster.sim?.requests ?? []).filter((r) => r.path.startsWith(`/api/v1/namespaces/${ns}/configmaps`) && ['POST', 'PATCH', 'PUT'].includes(r.method) && r.query.dryRun === undefined).length;
/** How many reconciles applied a revision (Synced events, repeats counted). */
const applies = async (ns: string) => (await bed.client.list('v1', 'Event', { namespace: ns })).filter((e) => e.reason === 'Synced').reduce((sum, e) => sum + Number(e.count ?? 1), 0);
/** The polls the agent made of the repository (each starts with the advertised refs). */
const polls = (repoName: string) => bed.git.requests.filter((r) => r.path.includes(repoName) && r.path.endsWith('/info/refs')).length;

describe.skipIf(simOnly.skip)('a revision too large for one history entry', () => {
  it('is applied once, kept in the history without its objects (said on the GitSync), and a rollback to it says why it cannot', async () => {
    const ns = await bed.cluster.newNamespace('bighist');
    const repo = await bed.git.createRepo(ns);
    const sha = await repo.commitAndPush(bigFiles());
    await bed.client.create(gitSync(ns, 'big', repo.url));
    await eventually(async () => (await status(ns)).lastAppliedRevision === sha, WAIT_MS);
    const gs = await getGitSync(ns);
    expect(conditionOf(gs, 'Ready')).toMatchObject({ status: 'True' });
    const stalled = conditionOf(gs, 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'HistoryIncomplete' });
    expect(stalled?.message).toMatch(/^history entry 1 keeps revision [0-9a-f]{7} without its objects: they are \d+ KiB compressed, more than the 900 KiB a history Secret holds; a rollback to it cannot run$/);
    const events = await bed.client.list('v1', 'Event', { namespace: ns });
    expect(events.find((e) => e.reason === 'HistoryIncomplete')).toMatchObject({ type: 'Warning', message: stalled?.message });

    // Applied once: the polls after it find the revision recorded and write nothing.
    const writes = configMapWrites(ns);
    expect(writes).toBeGreaterThanOrEqual(8);
    expect(await applies(ns)).toBe(1);
    const seen = polls(ns);
    await eventually(() => polls(ns) >= seen + 5, WAIT_MS);
    expect(configMapWrites(ns)).toBe(writes);
    expect(await applies(ns)).toBe(1);
    expect(conditionOf(await getGitSync(ns), 'Stalled')).toMatchObject({ status: 'True', reason: 'HistoryIncomplete' });
    const history = JSON.parse((await cli(['history', 'big', '-n', ns, '-o', 'json'])).stdout).items;
    expect(history.map((h: any) => [h.number, h.revision, h.result])).toEqual([[1, sha, 'Succeeded']]);

    // A later small revision is kept whole; a rollback to entry 1 is refused, saying why, and changes nothing.
    await repo.git('rm', '-q', 'deploy/blob-*');
    const small = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'small') }, 'small');
    await eventually(async () => (await status(ns)).lastAppliedRevision === small, WAIT_MS);
    expect(conditionOf(await getGitSync(ns), 'Stalled')).toMatchObject({ status: 'False' });
    const before = configMapWrites(ns);
    const refusedByCli = await cli(['rollback', 'big', '-n', ns, '--to', '1']);
    expect(refusedByCli.exitCode).not.toBe(0);
    expect(refusedByCli.stderr).toContain(`history entry 1 keeps revision ${sha.slice(0, 7)} without its objects (they were more than a history Secret holds); roll back with a Git revert instead`);
    // The agent refuses the pin too, when it is set by hand (kubectl annotate).
    await bed.client.mergePatch({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'big' }, { metadata: { annotations: { [ROLLBACK_TO_ANNOTATION]: '1' } } });
    const refused = await eventually(async () => {
      const ready = conditionOf(await getGitSync(ns), 'Ready');
      return ready?.reason === 'RollbackFailed' ? ready : undefined;
    }, WAIT_MS);
    expect(refused.status).toBe('False');
    expect(refused.message).toBe(
      `cannot roll back to history entry 1 (nothing was changed): the entry keeps revision ${sha.slice(0, 7)} without its objects (they were more than a history Secret holds); roll back with a Git revert instead`,
    );
    expect(configMapWrites(ns)).toBe(before);
    expect((await bed.client.getOrNull({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' }))?.data).toEqual({ value: 'small' });
  }, 300_000);
});
