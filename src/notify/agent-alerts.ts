import { objectKey, type KubeObject } from '../objects.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log/index.js';
import type { KubeClient } from '../kube/index.js';
import { formatDiff } from '../diff/index.js';
import type { SyncOutcome, SyncSettings } from '../sync/index.js';
import { decideAlerts, DEFAULT_ALERT_OPTIONS, type AlertOptions, type AlertState } from './alert-state.js';
import { Notifier, type NotifierOptions } from './notifier.js';
import { ConfigMapStateStore, type AlertStateStore, type AlertStates } from './state-store.js';
import { PROVIDER_TYPES, NOTIFY_EVENT_TYPES, type Destination, type DriftedObject, type NotifyEvent, type NotifyEventType, type ProviderType } from './types.js';

export interface NotificationsOptions {
  client: KubeClient;
  logger: Logger;
  clusterName: string;
  /** Where the alert state ConfigMap lives (the agent's namespace). */
  namespace: string;
  store?: AlertStateStore;
  alerts?: Partial<AlertOptions>;
  notifier?: NotifierOptions;
  now?: () => number;
}

export interface Notifications {
  /** The agent's outcome listener: decides, queues, returns at once. */
  onOutcome(gitsync: KubeObject, settings: SyncSettings, outcome: SyncOutcome): void;
  /** Waits for pending decisions and deliveries (tests, shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Turns sync outcomes into chat alerts: the noise-control state machine per GitSync (persisted
 * in a ConfigMap so a restart does not re-send), destinations read from the Secrets a GitSync's
 * `spec.notify` names, and a Notifier that delivers in the background.
 */
export function createNotifications(options: NotificationsOptions): Notifications {
  const notifier = new Notifier({ logger: options.logger, clusterName: options.clusterName, ...options.notifier });
  const store = options.store ?? new ConfigMapStateStore(options.client, options.namespace);
  const alertOptions = { ...DEFAULT_ALERT_OPTIONS, ...options.alerts };
  const now = options.now ?? Date.now;
  let states: Promise<AlertStates> | undefined;
  let chain: Promise<void> = Promise.resolve();

  const handle = async (settings: SyncSettings, outcome: SyncOutcome) => {
    if (settings.notify.length === 0) return;
    states ??= store.load().catch(() => ({}));
    const all = await states;
    const key = `${settings.namespace}/${settings.name}`;
    const drift = driftedObjects(outcome);
    const failed = outcome.result === 'Failed' ? outcome.message : undefined;
    const { events, next } = decideAlerts(
      all[key] as AlertState | undefined,
      {
        drift,
        selfHealed: outcome.driftCorrected,
        ...(failed !== undefined ? { failed } : {}),
        rolledBack: outcome.result === 'RolledBack',
        synced: outcome.result === 'Synced' && outcome.changes.some((c) => c.action !== 'unchanged'),
      },
      now(),
      alertOptions,
    );
    const changed = JSON.stringify(all[key] ?? {}) !== JSON.stringify(next);
    all[key] = next;
    if (changed) await store.save(all).catch((error: unknown) => options.logger.warn({ err: describeError(error) }, 'cannot save notification state'));
    if (events.length === 0) return;
    const destinations = await resolveDestinations(options.client, settings, options.logger);
    for (const type of events) notifier.notify(eventFor(type, settings, outcome, drift, options.clusterName), destinations);
  };

  return {
    onOutcome(_gitsync, settings, outcome) {
      // Serialised so state updates never race; never awaited by the agent.
      chain = chain.then(() => handle(settings, outcome)).catch((error: unknown) => options.logger.warn({ err: describeError(error) }, 'notification failed'));
    },
    async flush() {
      await chain;
      await notifier.flush();
    },
    async close() {
      await chain;
      await notifier.close();
    },
  };
}

function driftedObjects(outcome: SyncOutcome): DriftedObject[] {
  const changes = new Map(outcome.changes.map((c) => [objectKey(c.ref), c]));
  return outcome.drift.map((d) => {
    const entry = changes.get(objectKey(d.ref));
    const snippet = d.ref.kind !== 'Secret' && entry?.diff && d.change === 'changed' ? snippetOf(formatDiff(entry.diff, { context: 0 })) : undefined;
    return { ref: d.ref, change: d.change, paths: d.paths, ...(snippet ? { snippet } : {}) };
  });
}

/** The changed lines of a diff, a few of them. */
function snippetOf(diff: string): string | undefined {
  const lines = diff.split('\n').filter((line) => /^[-+](?![-+]{2})/.test(line));
  return lines.length > 0 ? lines.slice(0, 8).join('\n') : undefined;
}

function eventFor(type: NotifyEventType, settings: SyncSettings, outcome: SyncOutcome, drift: DriftedObject[], cluster: string): NotifyEvent {
  return {
    type,
    sync: { namespace: settings.namespace, name: settings.name },
    cluster,
    ...(outcome.appliedRevision ?? outcome.revision ? { revision: outcome.appliedRevision ?? outcome.revision } : {}),
    ...(type === 'drift' ? { objects: drift, selfHealed: outcome.driftCorrected } : {}),
    ...(type === 'failed' ? { error: outcome.message } : {}),
    ...(type === 'rolledBack' ? { fromRevision: outcome.failedRevision, toRevision: outcome.appliedRevision, reason: outcome.message } : {}),
    time: new Date(),
  } as NotifyEvent;
}

/** Reads each `spec.notify` Secret: `address` (the webhook URL) and, for `webhook`, `token`. */
async function resolveDestinations(client: KubeClient, settings: SyncSettings, logger: Logger): Promise<Destination[]> {
  const destinations: Destination[] = [];
  for (const spec of settings.notify) {
    if (!PROVIDER_TYPES.includes(spec.type as ProviderType)) {
      logger.warn({ gitsync: `${settings.namespace}/${settings.name}`, type: spec.type }, 'unknown notification provider');
      continue;
    }
    const secretNamespace = spec.secretNamespace ?? settings.namespace;
    const secret = await client.getOrNull({ apiVersion: 'v1', kind: 'Secret', namespace: secretNamespace, name: spec.secretName }).catch(() => null);
    const data = (secret?.data ?? {}) as Record<string, string>;
    const decode = (key: string) => (data[key] ? Buffer.from(data[key] as string, 'base64').toString('utf8').trim() : undefined);
    const address = decode('address');
    if (!address) {
      logger.warn({ gitsync: `${settings.namespace}/${settings.name}`, secret: spec.secretName }, 'notification Secret has no address key');
      continue;
    }
    const token = decode('token');
    destinations.push({
      name: `${secretNamespace}/${spec.secretName}`,
      type: spec.type as ProviderType,
      address,
      ...(token ? { token } : {}),
      events: spec.events.filter((e): e is NotifyEventType => (NOTIFY_EVENT_TYPES as readonly string[]).includes(e)),
    });
  }
  return destinations;
}
