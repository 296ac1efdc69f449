import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookTokens } from '../../src/agent/webhook-tokens.js';
import { FailureLimit } from '../../src/agent/failure-limit.js';
import type { KubeObject } from '../../src/objects.js';
import { eventually, startTestCluster, type TestCluster } from '../support/cluster.js';
import { gitSyncCrd } from './harness.js';

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster({ crdEstablishDelayMs: 10 });
  await cluster.client.create(gitSyncCrd());
  await eventually(() => cluster.client.resourceFor('ferry.dev/v1alpha1', 'GitSync'));
});
afterAll(async () => cluster?.stop());

async function hookedGitSync(ns: string, name: string, token: string): Promise<void> {
  await cluster.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-hook`, namespace: ns }, stringData: { token } } as KubeObject);
  await cluster.client.create({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', metadata: { name, namespace: ns, annotations: { 'ferry.dev/webhook-secret': `${name}-hook` } }, spec: { source: { url: 'https://git.example.com/x.git' } } });
}

describe('WebhookTokens', () => {
  it('reads a GitSync’s token, and says why there is none', async () => {
    const ns = await cluster.newNamespace('tokens');
    await hookedGitSync(ns, 'shop', 's3cret');
    await cluster.client.create({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', metadata: { name: 'plain', namespace: ns }, spec: { source: { url: 'https://git.example.com/x.git' } } });
    const tokens = new WebhookTokens(cluster.client);
    expect(await tokens.lookup(ns, 'shop')).toEqual({ token: 's3cret' });
    expect(await tokens.lookup(ns, 'plain')).toEqual({ token: undefined, reason: 'the GitSync has no ferry.dev/webhook-secret annotation' });
    expect(await tokens.lookup(ns, 'nobody')).toEqual({ token: undefined, reason: 'no such GitSync' });
  });

  it('remembers at most maxEntries GitSyncs, known or not', async () => {
    const ns = await cluster.newNamespace('tokens');
    const tokens = new WebhookTokens(cluster.client, { maxEntries: 3 });
    for (let i = 0; i < 10; i++) await tokens.lookup(ns, `guess-${i}`);
    expect(tokens.size).toBe(3);
  });

  it('reads a rejected token again once it is old enough to have been rotated', async () => {
    const ns = await cluster.newNamespace('tokens');
    await hookedGitSync(ns, 'shop', 'old-token');
    const tokens = new WebhookTokens(cluster.client, { rereadAfterMs: 0 });
    expect(await tokens.lookup(ns, 'shop')).toEqual({ token: 'old-token' });
    await cluster.client.mergePatch({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'shop-hook' }, { stringData: { token: 'new-token' } });
    expect(await tokens.lookup(ns, 'shop')).toEqual({ token: 'old-token' }); // cached
    expect(tokens.rejected(ns, 'shop')).toBe(true);
    expect(await tokens.lookup(ns, 'shop')).toEqual({ token: 'new-token' });
  });

  it('does not re-read a token that was just read, however often it is rejected', async () => {
    const ns = await cluster.newNamespace('tokens');
    await hookedGitSync(ns, 'shop', 'token');
    const tokens = new WebhookTokens(cluster.client, { rereadAfterMs: 60_000 });
    await tokens.lookup(ns, 'shop');
    expect(tokens.rejected(ns, 'shop')).toBe(false);
  });
});

describe('FailureLimit', () => {
  it('allows a burst of failures per address, then refuses that address only', () => {
    const limit = new FailureLimit({ burst: 3, refillMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      expect(limit.retryAfter('10.0.0.1')).toBeUndefined();
      limit.failed('10.0.0.1');
    }
    expect(limit.retryAfter('10.0.0.1')).toBe(60);
    expect(limit.retryAfter('10.0.0.2')).toBeUndefined();
  });

  it('remembers at most maxAddresses addresses', () => {
    const limit = new FailureLimit({ burst: 1, refillMs: 60_000, maxAddresses: 2 });
    for (const address of ['a', 'b', 'c']) limit.failed(address);
    expect(limit.retryAfter('a')).toBeUndefined(); // forgotten: the oldest went first
    expect(limit.retryAfter('c')).toBe(60);
  });
});
