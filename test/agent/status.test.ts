import { describe, expect, it } from 'vitest';
import { failureBackoff, nextCronRun, nextIntervalRun, statusChanged, statusFromOutcome, verifyWebhook } from '../../src/agent/index.js';
import type { SyncOutcome } from '../../src/sync/index.js';
import { createHmac } from 'node:crypto';

const outcome = (overrides: Partial<SyncOutcome>): SyncOutcome => ({
  result: 'Synced',
  reason: 'Synced',
  message: 'applied abc1234',
  revision: 'a'.repeat(40),
  appliedRevision: 'a'.repeat(40),
  lastGoodRevision: 'a'.repeat(40),
  changes: [],
  drift: [],
  driftCorrected: false,
  health: { status: 'Healthy', message: 'all good' },
  inventory: [{ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'cfg' }],
  history: [],
  startedAt: '2026-11-22T10:00:00Z',
  durationMs: 1200,
  ...overrides,
});

describe('statusFromOutcome', () => {
  it('counts a long inventory per kind and points to its revision instead of listing it', () => {
    const many = Array.from({ length: 501 }, (_, i) => ({ apiVersion: i % 2 ? 'v1' : 'apps/v1', kind: i % 2 ? 'ConfigMap' : 'Deployment', namespace: 'shop', name: `o-${i}` }));
    const status = statusFromOutcome({ previous: undefined, outcome: outcome({ inventory: many }), generation: 1, now: '2026-11-22T10:00:01Z' });
    expect(status.inventory).toBeUndefined();
    expect(status.inventorySummary).toEqual({ count: 501, kinds: [{ apiVersion: 'apps/v1', kind: 'Deployment', count: 251 }, { apiVersion: 'v1', kind: 'ConfigMap', count: 250 }], revision: 'a'.repeat(40) });
    // A failure that applied nothing keeps what the status said before.
    const failed = statusFromOutcome({ previous: status, outcome: outcome({ result: 'Failed', reason: 'SourceUnavailable', inventory: [] }), generation: 1, now: '2026-11-22T10:01:01Z' });
    expect(failed.inventorySummary).toEqual(status.inventorySummary);
    // Back under the limit, the list returns.
    expect(statusFromOutcome({ previous: status, outcome: outcome({}), generation: 1, now: '2026-11-22T10:02:01Z' })).toMatchObject({ inventory: ['ConfigMap/shop/cfg@v1'] });
  });

  it('writes conditions, revisions and a compact inventory', () => {
    const status = statusFromOutcome({ previous: undefined, outcome: outcome({}), generation: 3, now: '2026-11-22T10:00:01Z', requestedAt: 'r1' });
    expect(status).toMatchObject({ observedGeneration: 3, lastAppliedRevision: 'a'.repeat(40), health: 'Healthy', inventory: ['ConfigMap/shop/cfg@v1'], lastHandledRequestedAt: 'r1', drift: { count: 0, objects: [] } });
    expect(status.conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['Ready', 'True', 'Synced'],
      ['Healthy', 'True', 'Healthy'],
      ['Drifted', 'False', 'NoDrift'],
      ['Stalled', 'False', 'Progressing'],
    ]);
  });

  it('keeps lastTransitionTime until a condition flips', () => {
    const first = statusFromOutcome({ previous: undefined, outcome: outcome({}), generation: 1, now: 't1' });
    const same = statusFromOutcome({ previous: first, outcome: outcome({}), generation: 1, now: 't2' });
    expect(same.conditions[0]?.lastTransitionTime).toBe('t1');
    const failed = statusFromOutcome({ previous: same, outcome: outcome({ result: 'RolledBack', reason: 'RolledBack', failedRevision: 'b'.repeat(40), health: { status: 'Degraded', message: 'bad' } }), generation: 1, now: 't3' });
    expect(failed.conditions[0]).toMatchObject({ status: 'False', reason: 'RolledBack', lastTransitionTime: 't3' });
    expect(failed.failedRevision).toBe('b'.repeat(40));
  });

  it('a cancelled reconcile leaves Ready Unknown, not False, and keeps the revisions it knew', () => {
    const synced = statusFromOutcome({ previous: undefined, outcome: outcome({}), generation: 1, now: 't1' });
    const cancelled = statusFromOutcome({
      previous: synced,
      outcome: outcome({ result: 'Cancelled', reason: 'Cancelled', message: 'revision bbbbbbb cancelled during the health wait', revision: 'b'.repeat(40), appliedRevision: undefined, lastGoodRevision: undefined, health: undefined }),
      generation: 1,
      now: 't2',
    });
    expect(cancelled.conditions[0]).toMatchObject({ type: 'Ready', status: 'Unknown', reason: 'Cancelled' });
    expect(cancelled).toMatchObject({ lastAppliedRevision: 'a'.repeat(40), lastGoodRevision: 'a'.repeat(40), health: 'Healthy' });
    expect(cancelled.failedRevision).toBeUndefined();
  });

  it('a poll that changed nothing but found a workload unavailable turns Healthy False', () => {
    const synced = statusFromOutcome({ previous: undefined, outcome: outcome({}), generation: 1, now: 't1' });
    const polled = statusFromOutcome({ previous: synced, outcome: outcome({ result: 'Unchanged', reason: 'Unchanged', health: { status: 'Progressing', message: 'Deployment/shop/web: Progressing: 0 of 2 updated replicas available' } }), generation: 1, now: 't2' });
    expect(polled.conditions.find((c) => c.type === 'Healthy')).toMatchObject({ status: 'False', reason: 'Progressing', message: 'Deployment/shop/web: Progressing: 0 of 2 updated replicas available' });
    expect(polled.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
  });

  it('holding back a revision that failed before is not Ready, so ferry sync --wait exits non-zero', () => {
    const held = statusFromOutcome({
      previous: undefined,
      outcome: outcome({ result: 'Unchanged', reason: 'KnownFailedRevision', message: 'revision bbbbbbb failed before; holding aaaaaaa until Git moves on', revision: 'b'.repeat(40), failedRevision: 'b'.repeat(40) }),
      generation: 1,
      now: 't',
    });
    expect(held.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'KnownFailedRevision' });
    expect(held.conditions.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True', reason: 'KnownFailedRevision' });
  });

  it('a history entry that could not be written is a visible Stalled condition, not swallowed', () => {
    const status = statusFromOutcome({ previous: undefined, outcome: outcome({ historyError: 'cannot record history entry 4 (Secret/shop/ferry.history.shop.v4): secrets is forbidden' }), generation: 1, now: 't' });
    expect(status.conditions.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True', reason: 'HistoryWriteFailed', message: 'cannot record history entry 4 (Secret/shop/ferry.history.shop.v4): secrets is forbidden' });
    expect(status.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
  });

  it('a name too long for its labels is Stalled with the message saying how long it may be', () => {
    const status = statusFromOutcome({ previous: undefined, outcome: outcome({ result: 'Failed', reason: 'NameTooLong', message: 'GitSync/shop/x: name too long …' }), generation: 1, now: 't' });
    expect(status.conditions.find((c) => c.type === 'Stalled')).toMatchObject({ status: 'True', reason: 'NameTooLong', message: 'GitSync/shop/x: name too long …' });
  });

  it('does not ask for a write when only the sync time moved', () => {
    const first = statusFromOutcome({ previous: undefined, outcome: outcome({}), generation: 1, now: '2026-11-22T10:00:00Z' });
    const next = statusFromOutcome({ previous: first, outcome: outcome({}), generation: 1, now: '2026-11-22T10:01:00Z' });
    expect(statusChanged(first, next)).toBe(false);
    const later = statusFromOutcome({ previous: first, outcome: outcome({}), generation: 1, now: '2026-11-22T10:06:00Z' });
    expect(statusChanged(first, later)).toBe(true);
  });

  it('summarises drift, capped', () => {
    const drift = Array.from({ length: 30 }, (_, i) => ({ ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 's', name: `c${i}` }, change: 'changed' as const, paths: ['/data/x'] }));
    const status = statusFromOutcome({ previous: undefined, outcome: outcome({ result: 'Drifted', reason: 'DriftDetected', drift }), generation: 1, now: 't' });
    expect(status.drift.count).toBe(30);
    expect(status.drift.objects).toHaveLength(20);
    expect(status.conditions.find((c) => c.type === 'Drifted')?.status).toBe('True');
  });
});

describe('webhook verification', () => {
  const body = Buffer.from('{"ref":"refs/heads/main"}');
  const hmac = createHmac('sha256', 'tok').update(body).digest('hex');
  it.each([
    [{ 'x-hub-signature-256': `sha256=${hmac}` }, true],
    [{ 'x-hub-signature-256': 'sha256=00' }, false],
    [{ 'x-gitea-signature': hmac }, true],
    [{ 'x-gitlab-token': 'tok' }, true],
    [{ 'x-gitlab-token': 'nope' }, false],
    [{}, false],
  ])('%o → valid: %s', (headers, valid) => {
    expect(verifyWebhook(headers, body, 'tok').valid).toBe(valid);
  });
});

describe('scheduling', () => {
  it('adds up to 10% jitter to intervals', () => {
    expect(nextIntervalRun(1000, 60_000, () => 0)).toBe(61_000);
    expect(nextIntervalRun(1000, 60_000, () => 0.999)).toBeLessThan(67_000);
  });
  it('backs off failures exponentially, capped', () => {
    expect([1, 2, 3, 10].map((n) => failureBackoff(n))).toEqual([10_000, 20_000, 40_000, 300_000]);
  });
  it('computes the next cron run', () => {
    const after = Date.parse('2026-11-22T10:07:30Z');
    expect(new Date(nextCronRun('*/15 * * * *', after, 'UTC')).toISOString()).toBe('2026-11-22T10:15:00.000Z');
  });
});
