import { createHmac } from 'node:crypto';
import { formatRef } from '../../objects.js';
import type { MessageParts } from '../message.js';
import type { NotifyEvent, OutgoingMessage } from '../types.js';

/** `sha256=<hex HMAC-SHA256 of the raw body>`, the X-Ferry-Signature header. */
export function signPayload(body: string, token: string): string {
  return `sha256=${createHmac('sha256', token).update(body).digest('hex')}`;
}

/** A generic JSON webhook: the event as data, signed with the Secret's token when there is one. */
export function webhookPayload(event: NotifyEvent, parts: MessageParts, token?: string): OutgoingMessage {
  const body = {
    type: event.type,
    gitsync: event.sync,
    cluster: parts.facts.find(([k]) => k === 'Cluster')?.[1],
    revision: event.revision,
    title: parts.title,
    summary: parts.summary,
    objects: (event.objects ?? []).map((o) => ({ ref: formatRef(o.ref), change: o.change, paths: o.paths })),
    ...(event.error ? { error: event.error } : {}),
    ...(event.fromRevision ? { fromRevision: event.fromRevision, toRevision: event.toRevision } : {}),
    ...(event.selfHealed !== undefined ? { selfHealed: event.selfHealed } : {}),
    time: event.time.toISOString(),
  };
  const text = JSON.stringify(body);
  return { body: text, headers: token ? { 'X-Ferry-Signature': signPayload(text, token) } : {} };
}
