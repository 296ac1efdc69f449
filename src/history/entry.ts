import { gunzipSync, gzipSync } from 'node:zlib';
import type { KubeObject } from '../objects.js';
import { sealSecrets } from './seal-secrets.js';

/** What one history entry records. */
export type HistoryAction = 'sync' | 'rollback';
export type HistoryResult = 'Succeeded' | 'Failed';

/** The summary of an entry: cheap to read (kept in the Secret's annotations, not its payload). */
export interface HistorySummary {
  /** 1, 2, 3 …: the order entries were recorded in. */
  number: number;
  /** The commit SHA, or a content hash (`sha256:…`) for a directory. */
  revision: string;
  action: HistoryAction;
  result: HistoryResult;
  /** ISO time the sync finished. */
  time: string;
  durationMs: number;
  /** One line on what happened: the error, the health message, or the rollback reason. */
  message: string;
  /** For a rollback: the revision that failed and was rolled back from. */
  rolledBackFrom?: string;
  /** A hash of the rendered objects: tells a re-render of the same commit with other inputs apart. */
  digest?: string;
  /**
   * Set when the entry keeps no objects (only its inventory) because they did not fit in one
   * history Secret: their compressed size in KiB. Such an entry cannot be rolled back to.
   */
  objectsOmittedKiB?: number;
}

/** A whole entry: the summary plus the rendered objects (the three-way base of the next sync). */
export interface HistoryEntry extends HistorySummary {
  /**
   * The objects as rendered from Git (before any server defaults): the next sync's base. Secrets
   * are sealed (their values are digests): applying one again takes its values from Git.
   */
  objects: KubeObject[];
  /** Compact references (`group/Kind/namespace/name`) of every object the revision owns. */
  inventory: string[];
}

/** Encodes the payload of an entry as gzip'd JSON (Secrets are limited to 1 MiB), its Secrets sealed. */
export function encodePayload(entry: Pick<HistoryEntry, 'objects' | 'inventory'>): Buffer {
  return gzipSync(Buffer.from(JSON.stringify({ objects: sealSecrets(entry.objects), inventory: entry.inventory }), 'utf8'));
}

/** Decodes a payload; Secrets come back sealed, also from entries an older ferry wrote with values. */
export function decodePayload(data: Buffer): Pick<HistoryEntry, 'objects' | 'inventory'> {
  const parsed = JSON.parse(gunzipSync(data).toString('utf8')) as { objects?: KubeObject[]; inventory?: string[] };
  return { objects: sealSecrets(parsed.objects ?? []), inventory: parsed.inventory ?? [] };
}
