/**
 * One reconcile of one sync: source → render → diff → apply → health → prune → history, with
 * rollback to the last good revision when a revision fails. No loops or servers live here: the
 * agent schedules reconciles, the CLI runs one.
 */
export { reconcile } from './reconcile.js';
export type { SyncDeps, SyncOptions, SyncEvent, WaitPlace } from './run.js';
export { digestOf } from './digest.js';
export { shortRevision, omittedObjectsMessage } from './messages.js';
export { fetchSource } from './fetch-source.js';
export { renderSource } from './render-source.js';
export { settingsFromGitSync, InvalidGitSyncError, DEFAULT_SETTINGS, DEFAULT_NOTIFY_EVENTS, type SyncSettings, type SyncSource, type SubstituteFrom, type NotifySpec } from './settings.js';
export { SyncReason, isFailedRevision, type SyncOutcome, type SyncResult, type DriftedObject, type RollbackReport } from './outcome.js';
export { parseDuration, formatDuration } from './duration.js';
export { formatInventoryEntry, parseInventoryEntry, statusInventory, readStatusInventory, listedInventory, STATUS_INVENTORY_LIMIT, type InventorySummary, type StatusInventory } from './inventory.js';
export { readInventory } from './read-inventory.js';
export { pruneAll, type PruneAllRequest, type PruneAllResult } from './prune-all.js';
export { resolveSyncInputs, SyncInputError, type InputsClient } from './inputs.js';
export { helmOptionsOf, withValuesDigest, type HelmSettings, type HelmSource, type ValuesFrom } from './helm-settings.js';
export { syncIdentity, type TenancyPolicy } from './tenancy-policy.js';
export { refuseByPolicy, TenancyRefusalError } from './refuse-by-policy.js';
export { gitSchemeOf, refuseGitUrl, refuseChartRepository, type GitScheme, type SchemeAllowance } from './source-schemes.js';
export { inputRefsOf, type InputRef } from './input-refs.js';
export { leaveOutCollectedJobs, type ToWrite } from './finished-jobs.js';
