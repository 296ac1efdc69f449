import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { ConfigMapStateStore } from '../../src/notify/index.js';
import { eventually } from '../support/cluster.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { configMap, gitSync, notificationsFor, startBed, type Bed } from '../agent/harness.js';

let bed: Bed;
let receiver: WebhookReceiver;
beforeAll(async () => {
  bed = await startBed();
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await bed?.stop();
  await receiver?.stop();
});

const secret = (ns: string, name: string, data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, stringData: data } as KubeObject);

describe('drift alerts from the running agent', () => {
  it('alerts on a manual change within one interval, stays quiet while it persists, says when it is resolved, and does not re-send after a restart', async () => {
    const ns = await bed.cluster.newNamespace('alerts');
    const repo = await bed.git.createRepo(ns);
    const sha = await repo.commitAndPush({ 'deploy/cfg.yaml': configMap('cfg', 'git'), 'deploy/creds.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: pl4nted-git-secret\n' });
    await bed.client.create(secret(ns, 'slack', { address: `${receiver.url}/slack/${ns}` }));
    await bed.client.create(secret(ns, 'hook', { address: `${receiver.url}/hook/${ns}`, token: 'signing-token' }));
    const notifications = notificationsFor(bed, { namespace: ns });
    const agent = await bed.startAgent({ identity: `alerts-${ns}`, notifications });
    await bed.client.create(
      gitSync(ns, 'shop', repo.url, {
        selfHeal: false,
        notify: [
          { type: 'slack', secretRef: { name: 'slack' }, events: ['drift', 'drift-resolved', 'failed'] },
          { type: 'webhook', secretRef: { name: 'hook' }, events: ['drift', 'drift-resolved'] },
        ],
      }),
    );
    await eventually(async () => ((await bed.client.get({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'shop' })).status as any)?.lastAppliedRevision === sha);
    const mine = () => receiver.requests.filter((r) => r.path.endsWith(`/${ns}`));
    expect(mine()).toHaveLength(0);

    // Someone edits a managed object by hand (and a Secret, whose values must never be shown).
    await bed.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' }, { data: { value: 'by-hand' } });
    await bed.client.mergePatch({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'creds' }, { data: { password: Buffer.from('pl4nted-hand-secret').toString('base64') } });
    await eventually(() => mine().length >= 2);
    await notifications.flush();
    const slack = mine().find((r) => r.path.startsWith('/slack'));
    expect(slack?.body).toContain(`ConfigMap/${ns}/cfg: /data/value`);
    expect(slack?.body).toContain(`Secret/${ns}/creds: /data/password`);
    expect(slack?.body).toContain('value: by-hand');
    const hook = mine().find((r) => r.path.startsWith('/hook'));
    expect(hook?.headers['x-ferry-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    for (const request of mine()) {
      for (const planted of ['pl4nted-git-secret', 'pl4nted-hand-secret', Buffer.from('pl4nted-hand-secret').toString('base64')]) expect(request.body).not.toContain(planted);
    }

    // The same drift on the next polls: no new alert.
    const count = mine().length;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await notifications.flush();
    expect(mine()).toHaveLength(count);

    // A restarted agent, with the state kept in the ConfigMap, does not alert again.
    await agent.shutdown(1000);
    const restarted = notificationsFor(bed, { namespace: ns });
    await bed.startAgent({ identity: `alerts-restart-${ns}`, notifications: restarted });
    await new Promise((resolve) => setTimeout(resolve, 800));
    await restarted.flush();
    expect(mine()).toHaveLength(count);
    expect(Object.keys(await new ConfigMapStateStore(bed.client, ns).load())).toEqual([`${ns}/shop`]);

    // Fixed by hand: one drift-resolved per destination.
    await bed.client.mergePatch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'cfg' }, { data: { value: 'git' } });
    await bed.client.mergePatch({ apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'creds' }, { data: { password: Buffer.from('pl4nted-git-secret').toString('base64') } });
    await eventually(() => mine().length >= count + 2);
    await restarted.flush();
    expect(mine().slice(count).every((r) => r.body.includes('resolved'))).toBe(true);
  });
});
