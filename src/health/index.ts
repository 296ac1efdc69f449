/**
 * Health: one pure rule per kind (Healthy, Progressing, Degraded, Missing, Unknown, each with a
 * message, ordered worst-first) and a waiter that polls with one LIST per kind until a set of
 * objects is healthy or a timeout passes. It applies nothing.
 */
export { HealthStatus, compareHealth, worstOf, type Health } from './status.js';
export { assessHealth, isTerminal } from './rules.js';
export { waitForHealth, type HealthListClient, type WaitOptions, type WaitResult } from './waiter.js';
export { assessSnapshot, summarizeHealth, type HealthSnapshot } from './snapshot.js';
