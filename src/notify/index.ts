/**
 * Chat alerts: drift, drift resolved, failures, rollbacks, recoveries (and syncs, off by
 * default) to Slack, Discord, Microsoft Teams, Google Chat, Mattermost and signed generic
 * webhooks. Noise control is a pure state machine; delivery runs in the background with
 * timeouts, retries and rate limits and never blocks or fails a sync.
 */
export { createNotifications, type Notifications, type NotificationsOptions } from './agent-alerts.js';
export { Notifier, type NotifierOptions } from './notifier.js';
export { buildMessage, buildPayload } from './payload.js';
export { signPayload } from './providers/webhook.js';
export { composeMessage, plainText, MAX_OBJECTS, MAX_PATHS } from './message.js';
export { decideAlerts, driftHash, DEFAULT_ALERT_OPTIONS, type AlertState, type AlertOptions, type Observation } from './alert-state.js';
export { deliver, DEFAULT_DELIVERY, type DeliveryOptions } from './deliver.js';
export { ConfigMapStateStore, MemoryStateStore, type AlertStateStore, type AlertStates, type StateStoreClient } from './state-store.js';
export { NOTIFY_EVENT_TYPES, PROVIDER_TYPES, type NotifyEvent, type NotifyEventType, type ProviderType, type Destination, type DriftedObject, type OutgoingMessage } from './types.js';
