import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideAlerts, Notifier, DEFAULT_ALERT_OPTIONS, type AlertState, type Destination, type DriftedObject, type NotifyEvent } from '../../src/notify/index.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

const object = (name: string, paths = ['/spec/replicas']): DriftedObject => ({ ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name }, change: 'changed', paths });
const options = { quietPeriodMs: 60_000, reminderIntervalMs: 3_600_000 };

describe('noise control', () => {
  it('alerts once per drift set, again when it changes, and once more when resolved', () => {
    const steps: Array<[DriftedObject[], string[]]> = [
      [[object('web')], ['drift']],
      [[object('web')], []],
      [[object('web'), object('api')], ['drift']],
      [[object('web'), object('api')], []],
      [[], ['drift-resolved']],
      [[], []],
    ];
    let state: AlertState | undefined;
    let now = 0;
    for (const [drift, expected] of steps) {
      now += 300_000;
      const decision = decideAlerts(state, { drift, selfHealed: false }, now, options);
      expect(decision.events).toEqual(expected);
      state = decision.next;
    }
  });

  it('suppresses drift that flaps back within the quiet period, and reminds after the reminder interval', () => {
    let state = decideAlerts(undefined, { drift: [object('web')], selfHealed: false }, 0, options).next;
    state = decideAlerts(state, { drift: [], selfHealed: false }, 10_000, options).next;
    const flap = decideAlerts(state, { drift: [object('web')], selfHealed: false }, 20_000, options);
    expect(flap.events).toEqual([]);
    const remind = decideAlerts(flap.next, { drift: [object('web')], selfHealed: false }, 20_000 + 3_600_000, options);
    expect(remind.events).toEqual(['drift']);
  });

  it('announces a failure once, rollbacks each time, and the recovery', () => {
    let state: AlertState | undefined;
    const seq = [{ failed: 'boom' }, { failed: 'boom' }, { rolledBack: true, failed: 'x' }, {}, {}];
    const seen = seq.map((step, i) => {
      const decision = decideAlerts(state, { drift: [], selfHealed: false, ...step }, i, DEFAULT_ALERT_OPTIONS);
      state = decision.next;
      return decision.events;
    });
    expect(seen).toEqual([['failed'], [], ['rolledBack'], ['recovered'], []]);
  });

  it('says "corrected" once for self-healed drift, with nothing left open', () => {
    const decision = decideAlerts(undefined, { drift: [object('web')], selfHealed: true }, 0, options);
    expect(decision.events).toEqual(['drift']);
    expect(decideAlerts(decision.next, { drift: [], selfHealed: true }, 1000, options).events).toEqual([]);
  });
});

describe('delivery', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => receiver.stop());

  const event = (name: string, type: NotifyEvent['type'] = 'drift'): NotifyEvent => ({ type, sync: { namespace: 'team', name }, objects: [object('web')], time: new Date() });
  const destination = (path: string, extra: Partial<Destination> = {}): Destination => ({ name: `team/${path}`, type: 'slack', address: `${receiver.url}/${path}`, events: ['drift', 'drift-resolved', 'failed'], ...extra });
  const fast = { batchWindowMs: 5, delivery: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 3, timeoutMs: 300 } };

  it('never blocks the caller, and retries 429 (honouring Retry-After) and 500 until delivered', async () => {
    receiver.failNext(1, 429, 0);
    receiver.failNext(1, 500);
    const notifier = new Notifier(fast);
    const before = receiver.requests.length;
    const start = Date.now();
    notifier.notify(event('retry'), [destination('retry')]);
    expect(Date.now() - start).toBeLessThan(50);
    await notifier.flush();
    expect(receiver.requests.length - before).toBe(1);
  });

  it('gives up after the attempt bound without failing anything', async () => {
    receiver.failNext(3, 500);
    const notifier = new Notifier(fast);
    const before = receiver.requests.length;
    notifier.notify(event('down'), [destination('down')]);
    await expect(notifier.flush()).resolves.toBeUndefined();
    expect(receiver.requests.length).toBe(before);
  });

  it('times out a hanging receiver and retries', async () => {
    receiver.failNext(1, 0);
    const notifier = new Notifier(fast);
    const before = receiver.requests.length;
    notifier.notify(event('hang'), [destination('hang')]);
    await notifier.flush();
    expect(receiver.requests.length - before).toBe(1);
  });

  it('turns 20 GitSyncs drifting at once into one summary message', async () => {
    const notifier = new Notifier({ ...fast, batchWindowMs: 50 });
    const before = receiver.requests.length;
    for (let i = 0; i < 20; i++) notifier.notify(event(`app-${i}`), [destination('storm')]);
    await notifier.flush();
    const sent = receiver.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toContain('20 events from 20 GitSyncs');
  });

  it('rate-limits each destination', async () => {
    const notifier = new Notifier({ ...fast, rateLimitPerMinute: 3, summaryThreshold: 100 });
    const before = receiver.requests.length;
    for (let i = 0; i < 6; i++) notifier.notify(event(`rl-${i}`), [destination('limited')]);
    await notifier.flush();
    expect(receiver.requests.length - before).toBe(3);
  });

  it('sends only the events a destination asked for', async () => {
    const notifier = new Notifier(fast);
    const before = receiver.requests.length;
    notifier.notify(event('quiet', 'synced'), [destination('picky')]);
    await notifier.flush();
    expect(receiver.requests.length).toBe(before);
  });

  it('scrubs known secret values from every provider’s message', async () => {
    const planted = 'pl4nted-secret-value';
    const notifier = new Notifier({ ...fast, secretValues: () => [planted] });
    const before = receiver.requests.length;
    const leaky: NotifyEvent = { type: 'failed', sync: { namespace: 'team', name: 'leak' }, error: `could not parse ${planted}`, objects: [{ ...object('web'), snippet: `+ password: ${planted}` }], time: new Date() };
    const types = ['slack', 'discord', 'msteams', 'googlechat', 'mattermost', 'webhook'] as const;
    notifier.notify(leaky, types.map((type) => destination(`leak-${type}`, { type, token: 'tok', events: ['failed'] })));
    await notifier.flush();
    const sent = receiver.requests.slice(before);
    expect(sent).toHaveLength(6);
    for (const request of sent) expect(request.body).not.toContain(planted);
  });
});
