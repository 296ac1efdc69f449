import type { ObjectRef } from '../objects.js';

export const NOTIFY_EVENT_TYPES = ['drift', 'drift-resolved', 'failed', 'rolledBack', 'recovered', 'synced'] as const;
export type NotifyEventType = (typeof NOTIFY_EVENT_TYPES)[number];

export const PROVIDER_TYPES = ['slack', 'discord', 'msteams', 'googlechat', 'mattermost', 'webhook'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** One object whose live state left Git. */
export interface DriftedObject {
  ref: ObjectRef;
  change: 'changed' | 'deleted';
  paths: string[];
  /** A few diff lines of non-secret fields, already masked. */
  snippet?: string;
}

/** Something worth telling a team about one GitSync. */
export interface NotifyEvent {
  type: NotifyEventType;
  sync: { namespace: string; name: string };
  cluster?: string;
  revision?: string;
  objects?: DriftedObject[];
  error?: string;
  fromRevision?: string;
  toRevision?: string;
  reason?: string;
  /** For drift: corrected by self-heal (true) or only reported (false). */
  selfHealed?: boolean;
  /** A digest of many events (many GitSyncs at once): its title and lines replace the usual ones. */
  digest?: { title: string; lines: string[] };
  time: Date;
}

/** Where alerts go: the address and token come from a Secret, never from the GitSync spec. */
export interface Destination {
  /** For logs: `<namespace>/<secret>` — never the address, which embeds credentials. */
  name: string;
  type: ProviderType;
  address: string;
  token?: string;
  events: NotifyEventType[];
}

/** A request a provider wants sent. */
export interface OutgoingMessage {
  body: unknown;
  headers?: Record<string, string>;
}
