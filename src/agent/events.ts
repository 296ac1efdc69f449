import { createHash } from 'node:crypto';
import type { KubeObject } from '../objects.js';
import { EVENT_REPORTING_COMPONENT } from '../well-known.js';
import { AlreadyExistsError, type KubeClient } from '../kube/index.js';

/**
 * Records a Kubernetes Event on a GitSync, as `kubectl describe` shows them. Repeats of the same
 * reason and message update one Event's count and lastTimestamp instead of piling up.
 */
export async function recordEvent(client: KubeClient, gitsync: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, component = 'ferry-agent'): Promise<void> {
  const namespace = gitsync.metadata.namespace ?? 'default';
  const digest = createHash('sha1').update(`${reason}\n${message}`).digest('hex').slice(0, 10);
  const name = `${gitsync.metadata.name}.${digest}`;
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const event: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace },
    involvedObject: { apiVersion: gitsync.apiVersion, kind: gitsync.kind, name: gitsync.metadata.name, namespace, uid: gitsync.metadata.uid, resourceVersion: gitsync.metadata.resourceVersion },
    reason,
    message: message.slice(0, 1024),
    type,
    source: { component },
    reportingComponent: EVENT_REPORTING_COMPONENT,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
  try {
    await client.create(event);
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) throw error;
    const existing = await client.get({ apiVersion: 'v1', kind: 'Event', namespace, name });
    await client.mergePatch({ apiVersion: 'v1', kind: 'Event', namespace, name }, { count: Number(existing.count ?? 1) + 1, lastTimestamp: now });
  }
}
