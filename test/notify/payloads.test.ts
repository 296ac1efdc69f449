import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildMessage, PROVIDER_TYPES, type NotifyEvent, type ProviderType } from '../../src/notify/index.js';

const time = new Date('2026-11-22T10:00:00Z');
const ref = (name: string, kind = 'Deployment') => ({ apiVersion: 'apps/v1', kind, namespace: 'shop', name });
const drift: NotifyEvent = {
  type: 'drift',
  sync: { namespace: 'ferry-system', name: 'shop' },
  cluster: 'prod-eu',
  revision: '3f2a9c1e0b7d4a5c6e8f9a0b1c2d3e4f5a6b7c8d',
  objects: [
    { ref: ref('web'), change: 'changed', paths: ['/spec/replicas', '/spec/template/spec/containers/0/image'], snippet: '-  replicas: 5\n+  replicas: 2' },
    { ref: ref('api'), change: 'deleted', paths: [] },
  ],
  selfHealed: false,
  time,
};
const events: Record<string, NotifyEvent> = {
  drift,
  'drift-resolved': { type: 'drift-resolved', sync: drift.sync, cluster: 'prod-eu', time },
  failed: { type: 'failed', sync: drift.sync, cluster: 'prod-eu', error: 'Service/shop/web: invalid: spec.ports[0].port', time },
  rolledBack: { type: 'rolledBack', sync: drift.sync, cluster: 'prod-eu', fromRevision: 'b'.repeat(40), toRevision: 'a'.repeat(40), reason: 'health check timed out', time },
  recovered: { type: 'recovered', sync: drift.sync, cluster: 'prod-eu', time },
  synced: { type: 'synced', sync: drift.sync, cluster: 'prod-eu', revision: 'a'.repeat(40), time },
};

/** Structural checks of each service's documented payload shape and limits. */
const shapes: Record<ProviderType, (body: any) => void> = {
  slack: (body) => {
    expect(typeof body.text).toBe('string');
    expect(body.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect(body.blocks[0].text.text.length).toBeLessThanOrEqual(150);
    for (const block of body.blocks) {
      expect(['header', 'section', 'context']).toContain(block.type);
      if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
    }
  },
  mattermost: (body) => {
    expect(typeof body.text).toBe('string');
    expect(body.attachments[0]).toMatchObject({ fallback: expect.any(String), color: expect.stringMatching(/^#[0-9A-F]{6}$/), title: expect.any(String) });
  },
  discord: (body) => {
    expect(body.embeds).toHaveLength(1);
    const embed = body.embeds[0];
    expect(embed.title.length).toBeLessThanOrEqual(256);
    expect(embed.description.length).toBeLessThanOrEqual(4096);
    expect(embed.fields.length).toBeLessThanOrEqual(25);
    expect(Number.isInteger(embed.color)).toBe(true);
    expect(embed.timestamp).toBe(time.toISOString());
  },
  msteams: (body) => {
    expect(body.type).toBe('message');
    expect(body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(body.attachments[0].content).toMatchObject({ type: 'AdaptiveCard', version: '1.4', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json' });
    for (const element of body.attachments[0].content.body) expect(['TextBlock', 'FactSet']).toContain(element.type);
  },
  googlechat: (body) => {
    expect(typeof body.text).toBe('string');
    expect(body.cardsV2[0]).toMatchObject({ cardId: expect.any(String), card: { header: { title: expect.any(String) }, sections: [{ widgets: expect.any(Array) }] } });
  },
  webhook: (body) => {
    const parsed = JSON.parse(body);
    expect(parsed).toMatchObject({ type: expect.any(String), gitsync: { namespace: 'ferry-system', name: 'shop' }, time: time.toISOString() });
  },
};

describe('provider payloads', () => {
  for (const provider of PROVIDER_TYPES) {
    it.each(Object.keys(events))(`${provider}: %s has the documented shape`, async (name) => {
      const message = buildMessage(provider, events[name] as NotifyEvent, { cluster: 'prod-eu', token: 'hmac-token' });
      shapes[provider](message.body);
      await expect(JSON.stringify(message.body, null, 2)).toMatchFileSnapshot(`./__snapshots__/${provider}-${name}.json`);
    });
  }

  it('drift messages name the objects, fields, revision, cluster and the command to see more', () => {
    const text = JSON.stringify(buildMessage('slack', drift).body);
    for (const expected of ['Deployment/shop/web', '/spec/replicas', 'Deployment/shop/api: deleted', '3f2a9c1', 'prod-eu', 'ferry diff shop -n ferry-system', 'replicas: 5']) expect(text).toContain(expected);
  });

  it('caps long object lists with "and N more"', () => {
    const many = { ...drift, objects: Array.from({ length: 25 }, (_, i) => ({ ref: ref(`w${i}`), change: 'changed' as const, paths: ['/a', '/b', '/c', '/d', '/e', '/f', '/g'] })) };
    const text = JSON.stringify(buildMessage('slack', many).body);
    expect(text).toContain('and 15 more objects');
    expect(text).toContain('and 2 more');
    expect(text).not.toContain('Deployment/shop/w10');
  });

  it('signs generic webhooks with X-Ferry-Signature, verifiable with the shared token', () => {
    const message = buildMessage('webhook', drift, { token: 'hmac-token' });
    const expected = `sha256=${createHmac('sha256', 'hmac-token').update(message.body as string).digest('hex')}`;
    expect(message.headers?.['X-Ferry-Signature']).toBe(expected);
  });
});
