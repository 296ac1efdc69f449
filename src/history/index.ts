/**
 * The release history of a GitSync: one Secret per applied revision holding the rendered objects
 * (gzip'd JSON, Secrets among them sealed: digests, never values) and the inventory. It answers "what did ferry last apply" (the three-way base),
 * "what was the last good revision" (where a rollback goes) and "did this revision already fail".
 */
export { HistoryStore, HistoryError, HISTORY_LABEL, MAX_PAYLOAD_BYTES, type HistoryClient, type Recorded } from './store.js';
export { findLastGood, isKnownFailedRevision } from './summary.js';
export type { HistoryEntry, HistorySummary, HistoryAction, HistoryResult } from './entry.js';
export { sealSecret, sealSecrets, isSealedSecret } from './seal-secrets.js';
export { HistoryWatch, type HistoryCache, type HistoryWatchOptions } from './watch.js';
