import { createHmac } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningAgent } from '../../src/agent/index.js';
import type { KubeObject } from '../../src/objects.js';
import { eventually, simOnly } from '../support/cluster.js';
import { configMap, gitSync, startBed, type Bed } from './harness.js';

let bed: Bed;
let agent: RunningAgent;
beforeAll(async () => {
  bed = await startBed();
  agent = await bed.startAgent({ identity: 'hooks' });
});
afterAll(async () => bed?.stop());

const TOKEN = 'hook-token-123';
const BODY = JSON.stringify({ ref: 'refs/heads/main' });
const githubSignature = (token: string) => `sha256=${createHmac('sha256', token).update(BODY).digest('hex')}`;

interface Answer {
  status: number;
  body: string;
  contentType: string | undefined;
  retryAfter: string | undefined;
}

/** POSTs a push to an agent's hook, from a chosen loopback address (the whole 127/8 is local). */
function push(port: number, ns: string, name: string, headers: Record<string, string>, from = '127.0.0.1'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: `/hooks/${ns}/${name}`, localAddress: from, headers: { 'Content-Type': 'application/json', ...headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), contentType: response.headers['content-type'], retryAfter: response.headers['retry-after'] as string | undefined }),
      );
    });
    request.on('error', reject);
    request.end(BODY);
  });
}

const status = async (ns: string, name: string) => ((await bed.client.getOrNull({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name }))?.status ?? {}) as Record<string, any>;

/** A namespace with GitSyncs `hooked` (webhook Secret `hook`), `plain` (no webhook annotation) and `lost` (its Secret is missing). */
async function webhookNamespace(): Promise<{ ns: string; sha: string }> {
  const ns = await bed.cluster.newNamespace('hook');
  const repo = await bed.git.createRepo(ns);
  const sha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one') });
  const hourly = { source: { url: repo.url, interval: '1h', path: 'deploy' }, suspend: true };
  await bed.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hook', namespace: ns }, stringData: { token: TOKEN } } as KubeObject);
  await bed.client.create(gitSync(ns, 'hooked', repo.url, hourly, { 'ferry.dev/webhook-secret': 'hook' }));
  await bed.client.create(gitSync(ns, 'plain', repo.url, hourly));
  await bed.client.create(gitSync(ns, 'lost', repo.url, hourly, { 'ferry.dev/webhook-secret': 'missing' }));
  return { ns, sha };
}

describe('push webhooks', () => {
  it('answer 401 alike whether the GitSync is unknown, accepts no webhooks, lacks its Secret or the signature is wrong', async () => {
    const { ns } = await webhookNamespace();
    const port = agent.server.port;
    const signed = { 'X-Hub-Signature-256': githubSignature(TOKEN) };
    const answers = {
      unknown: await push(port, ns, 'nobody', signed),
      unknownNamespace: await push(port, 'no-such-namespace', 'hooked', signed),
      noAnnotation: await push(port, ns, 'plain', signed),
      missingSecret: await push(port, ns, 'lost', signed),
      wrongSignature: await push(port, ns, 'hooked', { 'X-Hub-Signature-256': githubSignature('guess') }),
      noSignature: await push(port, ns, 'hooked', {}),
    };
    const expected = { status: 401, body: answers.wrongSignature.body, contentType: answers.wrongSignature.contentType, retryAfter: undefined };
    for (const [name, answer] of Object.entries(answers)) expect({ name, ...answer }).toEqual({ name, ...expected });
    expect(expected.body).not.toMatch(/not found|GitSync|Secret|annotation/i);
  });

  it.skipIf(simOnly.skip)('read the token Secret once, not on every delivery', async () => {
    const { ns } = await webhookNamespace();
    const secretReads = () => bed.cluster.sim!.requests.filter((r) => r.path === `/api/v1/namespaces/${ns}/secrets/hook`).length;
    for (let i = 0; i < 5; i++) expect((await push(agent.server.port, ns, 'hooked', { 'X-Gitlab-Token': TOKEN })).status).toBe(202);
    expect(secretReads()).toBe(1);
  });

  it.skipIf(simOnly.skip)('refuse an address that keeps failing with 429, before looking anything up; other addresses are unaffected', async () => {
    const { ns } = await webhookNamespace();
    const port = agent.server.port;
    const wrong = { 'X-Gitlab-Token': 'guess' };
    const from = '127.0.0.7';
    const answers: number[] = [];
    for (let i = 0; i < 15; i++) answers.push((await push(port, ns, `guess-${i}`, wrong, from)).status);
    expect(answers.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(answers.slice(10)).toEqual(Array(5).fill(429));
    const reads = bed.cluster.sim!.requests.length;
    const refused = await push(port, ns, 'hooked', { 'X-Gitlab-Token': TOKEN }, from);
    expect(refused).toMatchObject({ status: 429, retryAfter: expect.stringMatching(/^\d+$/) });
    expect(bed.cluster.sim!.requests.length).toBe(reads);
    expect((await push(port, ns, 'hooked', { 'X-Gitlab-Token': TOKEN }, '127.0.0.8')).status).toBe(202);
  });

  it.skipIf(simOnly.skip)('on a standby replica record the push on the GitSync, and the leader syncs it', async () => {
    const ns = await bed.cluster.newNamespace('standby-hook');
    const repo = await bed.git.createRepo(ns);
    await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'one') });
    await bed.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hook', namespace: ns }, stringData: { token: TOKEN } } as KubeObject);
    const first = await bed.startAgent({ identity: 'hook-a', leaderElection: true });
    const second = await bed.startAgent({ identity: 'hook-b', leaderElection: true });
    try {
      await eventually(() => first.elector?.isLeader || second.elector?.isLeader);
      const standby = first.elector?.isLeader ? second : first;
      await bed.client.create(gitSync(ns, 'shop', repo.url, { source: { url: repo.url, interval: '1h', path: 'deploy' } }, { 'ferry.dev/webhook-secret': 'hook' }));
      await eventually(async () => (await status(ns, 'shop')).lastAppliedRevision);
      const pushed = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'two') });
      // Only the webhook can bring the new commit in: the interval is an hour.
      expect((await push(standby.server.port, ns, 'shop', { 'X-Hub-Signature-256': githubSignature(TOKEN) })).status).toBe(202);
      const gitsync = await bed.client.get({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'shop' });
      expect(gitsync.metadata.annotations?.['ferry.dev/requested-at']).toMatch(/^\d{4}-\d\d-\d\dT/);
      await eventually(async () => (await status(ns, 'shop')).lastAppliedRevision === pushed);
    } finally {
      await first.shutdown(1000);
      await second.shutdown(1000);
    }
  });
});
