/**
 * Noise control as a pure state machine: one GitSync's alert state plus what a sync found → which
 * events to send and the next state. Alerts go out on state changes only: the same drift does not
 * alert again until it changes or the reminder interval passes, drift that flaps back within the
 * quiet period after being resolved is not re-announced, and a failure is told once until it
 * recovers.
 */
import { createHash } from 'node:crypto';
import { formatRef } from '../objects.js';
import type { DriftedObject, NotifyEventType } from './types.js';

export interface AlertState {
  /** Hash of the drift set last alerted, when drift is open. */
  driftHash?: string;
  driftAlertedAt?: number;
  /** When drift was last resolved (flap suppression). */
  resolvedAt?: number;
  resolvedHash?: string;
  /** The failure message last alerted, while failing. */
  failure?: string;
}

export interface AlertOptions {
  quietPeriodMs: number;
  /** 0: never remind of unchanged drift. */
  reminderIntervalMs: number;
}

export const DEFAULT_ALERT_OPTIONS: AlertOptions = { quietPeriodMs: 60_000, reminderIntervalMs: 24 * 3_600_000 };

export interface Observation {
  drift: DriftedObject[];
  selfHealed: boolean;
  failed?: string;
  rolledBack?: boolean;
  synced?: boolean;
}

/** A stable hash of a drift set: which objects, which fields. */
export function driftHash(drift: DriftedObject[]): string {
  const lines = drift.map((d) => `${formatRef(d.ref)}|${d.change}|${[...d.paths].sort().join(',')}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
}

export function decideAlerts(previous: AlertState | undefined, observed: Observation, now: number, options: AlertOptions = DEFAULT_ALERT_OPTIONS): { events: NotifyEventType[]; next: AlertState } {
  const state: AlertState = { ...previous };
  const events: NotifyEventType[] = [];
  // Failures: tell once, then once more when it recovers.
  if (observed.rolledBack) {
    events.push('rolledBack');
    state.failure = observed.failed ?? 'rolled back';
  } else if (observed.failed !== undefined) {
    if (state.failure === undefined) events.push('failed');
    state.failure = observed.failed;
    // A failing sync says nothing new about drift.
    return { events, next: state };
  } else if (state.failure !== undefined) {
    events.push('recovered');
    delete state.failure;
  } else if (observed.synced) {
    events.push('synced');
  }
  if (observed.drift.length > 0) {
    const hash = driftHash(observed.drift);
    if (observed.selfHealed) {
      // Corrected in the same sync: one message says both; nothing stays open.
      const flapping = state.resolvedHash === hash && state.resolvedAt !== undefined && now - state.resolvedAt < options.quietPeriodMs;
      if (!flapping) events.push('drift');
      delete state.driftHash;
      delete state.driftAlertedAt;
      state.resolvedAt = now;
      state.resolvedHash = hash;
    } else {
      const remind = options.reminderIntervalMs > 0 && state.driftAlertedAt !== undefined && now - state.driftAlertedAt >= options.reminderIntervalMs;
      const flapping = state.resolvedHash === hash && state.resolvedAt !== undefined && now - state.resolvedAt < options.quietPeriodMs;
      if ((state.driftHash !== hash && !flapping) || remind) {
        events.push('drift');
        state.driftAlertedAt = now;
      } else if (flapping && state.driftHash !== hash) {
        // Back within the quiet period: treat it as the drift already announced.
        state.driftAlertedAt = now;
      }
      state.driftHash = hash;
    }
  } else if (state.driftHash !== undefined) {
    events.push('drift-resolved');
    state.resolvedAt = now;
    state.resolvedHash = state.driftHash;
    delete state.driftHash;
    delete state.driftAlertedAt;
  }
  return { events, next: state };
}
