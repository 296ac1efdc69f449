import type { Logger } from '../log/index.js';
import { silentLogger, scrubSecrets } from '../log/index.js';
import { buildMessage } from './payload.js';
import { signPayload } from './providers/webhook.js';
import { DEFAULT_DELIVERY, deliver, type DeliveryOptions } from './deliver.js';
import type { Destination, NotifyEvent, OutgoingMessage } from './types.js';

export interface NotifierOptions {
  logger?: Logger;
  clusterName?: string;
  /** Messages per destination per minute (default 20); the rest are dropped and logged. */
  rateLimitPerMinute?: number;
  /** Events for one destination within this window are batched (default 2 s). */
  batchWindowMs?: number;
  /** More events than this in one window become one summary message (default 5). */
  summaryThreshold?: number;
  delivery?: Partial<DeliveryOptions>;
  /** Values that must never appear in a message (Secret data the caller knows of). */
  secretValues?: () => Iterable<string>;
}

interface Pending {
  destination: Destination;
  events: NotifyEvent[];
  timer: NodeJS.Timeout;
}

/**
 * Sends alerts without ever blocking a sync: `notify` queues and returns at once; a background
 * batch per destination is delivered after a short window, as one summary when many GitSyncs
 * speak at once, within a per-destination rate limit.
 */
export class Notifier {
  private readonly pending = new Map<string, Pending>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly sent = new Map<string, number[]>();
  private readonly logger: Logger;
  private readonly delivery: DeliveryOptions;

  constructor(private readonly options: NotifierOptions = {}) {
    this.logger = options.logger ?? silentLogger();
    this.delivery = { ...DEFAULT_DELIVERY, ...options.delivery };
  }

  notify(event: NotifyEvent, destinations: Destination[]): void {
    for (const destination of destinations) {
      if (!destination.events.includes(event.type)) continue;
      const key = `${destination.type}|${destination.address}`;
      const pending = this.pending.get(key);
      if (pending) {
        pending.events.push(event);
        continue;
      }
      const timer = setTimeout(() => this.send(key), this.options.batchWindowMs ?? 2000);
      this.pending.set(key, { destination, events: [event], timer });
    }
  }

  /** Sends everything queued now and waits for deliveries to finish. */
  async flush(): Promise<void> {
    for (const [key, pending] of this.pending) {
      clearTimeout(pending.timer);
      this.send(key);
    }
    await Promise.all([...this.inFlight]);
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private send(key: string): void {
    const pending = this.pending.get(key);
    if (!pending) return;
    this.pending.delete(key);
    const { destination, events } = pending;
    const messages = events.length > (this.options.summaryThreshold ?? 5) ? [this.summary(destination, events)] : events.map((event) => this.message(destination, event));
    for (const message of messages) {
      if (!this.allow(key)) {
        this.logger.warn({ destination: destination.name, type: destination.type }, 'notification rate limit reached; dropping message');
        continue;
      }
      const delivery = deliver(destination.address, message, destination.name, this.logger, this.delivery).finally(() => this.inFlight.delete(delivery));
      this.inFlight.add(delivery);
    }
  }

  private message(destination: Destination, event: NotifyEvent): OutgoingMessage {
    const message = buildMessage(destination.type, { ...event, ...(this.options.clusterName && !event.cluster ? { cluster: this.options.clusterName } : {}) }, {
      ...(this.options.clusterName ? { cluster: this.options.clusterName } : {}),
      ...(destination.token ? { token: destination.token } : {}),
    });
    return this.scrub(message, destination);
  }

  /** One message for many events: which GitSyncs, and what happened to each. */
  private summary(destination: Destination, events: NotifyEvent[]): OutgoingMessage {
    const syncs = [...new Set(events.map((e) => `${e.sync.namespace}/${e.sync.name}`))];
    const lines = events.slice(0, 20).map((e) => `${e.sync.namespace}/${e.sync.name}: ${e.type}${e.objects?.length ? ` (${e.objects.length} objects)` : ''}`);
    if (events.length > 20) lines.push(`and ${events.length - 20} more events`);
    const first = events[0] as NotifyEvent;
    return this.message(destination, {
      type: first.type,
      sync: { namespace: '*', name: '*' },
      digest: { title: `${events.length} events from ${syncs.length} GitSyncs`, lines },
      time: first.time,
    });
  }

  private scrub(message: OutgoingMessage, destination: Destination): OutgoingMessage {
    const secrets = [...(this.options.secretValues?.() ?? [])];
    if (secrets.length === 0) return message;
    const text = typeof message.body === 'string' ? message.body : JSON.stringify(message.body);
    const scrubbed = scrubSecrets(text, secrets);
    if (scrubbed === text) return message;
    const body = typeof message.body === 'string' ? scrubbed : JSON.parse(scrubbed);
    // A signed body must be signed again after scrubbing.
    return destination.type === 'webhook' ? buildSigned(body as string, destination.token) : { ...message, body };
  }

  /** Token bucket over the last minute. */
  private allow(key: string): boolean {
    const now = Date.now();
    const recent = (this.sent.get(key) ?? []).filter((time) => now - time < 60_000);
    if (recent.length >= (this.options.rateLimitPerMinute ?? 20)) {
      this.sent.set(key, recent);
      return false;
    }
    recent.push(now);
    this.sent.set(key, recent);
    return true;
  }
}

function buildSigned(body: string, token: string | undefined): OutgoingMessage {
  return { body, headers: token ? { 'X-Ferry-Signature': signPayload(body, token) } : {} };
}
