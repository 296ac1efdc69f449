import { FerryError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/**
 * Parses a Go-style duration as Kubernetes users write them (`30s`, `5m`, `1h30m`, `500ms`) into
 * milliseconds. Bare numbers are refused: `5` could mean seconds or minutes.
 */
export function parseDuration(text: string, field = 'duration'): number {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) {
    throw new FerryError('INVALID_DURATION', `${field}: "${text}" is not a duration (use e.g. 30s, 5m, 1h30m)`, {
      details: { field, value: text },
    });
  }
  let total = 0;
  for (const match of trimmed.matchAll(PART)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? 's'] ?? 1000);
  }
  return Math.round(total);
}

/** Formats milliseconds the short way people read them: `1.2s`, `3m4s`, `1h2m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h${minutes}m`;
  return seconds ? `${minutes}m${seconds}s` : `${minutes}m`;
}
