import { GITSYNC_API_VERSION, GITSYNC_KIND, WEBHOOK_SECRET_ANNOTATION } from '../well-known.js';
import type { KubeObject, ObjectRef } from '../objects.js';

/** The reads the token lookup needs (src/kube's KubeClient has them). */
export interface TokenClient {
  getOrNull(ref: ObjectRef): Promise<KubeObject | null>;
}

export interface WebhookTokensOptions {
  /** How long a looked-up token (or the finding that there is none) is used before it is read again (default 60 s). */
  ttlMs?: number;
  /** A token that failed to verify is read again when it is older than this: a rotated Secret takes effect at once (default 5 s). */
  rereadAfterMs?: number;
  /** GitSyncs remembered at most; the least recently used go first (default 1,000). */
  maxEntries?: number;
}

interface Entry {
  token: string | undefined;
  /** Why there is no token: for the agent's log only, never for the caller. */
  reason?: string;
  readAt: number;
}

/** A GitSync's push-webhook token, or why it has none. */
export type TokenLookup = { token: string } | { token: undefined; reason: string };

/**
 * The push-webhook token of each GitSync (its `ferry.dev/webhook-secret` annotation names a
 * Secret whose key `token` holds it), read through a bounded cache: deliveries do not cost two
 * API reads each, and an unknown GitSync is remembered like a known one, so answers take the same
 * path whether or not it exists. Entries expire after `ttlMs`; a token that failed to verify is
 * read again once it is a few seconds old, so a rotation needs no restart.
 */
export class WebhookTokens {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly rereadAfterMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly client: TokenClient,
    options: WebhookTokensOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.rereadAfterMs = options.rereadAfterMs ?? 5_000;
    this.maxEntries = options.maxEntries ?? 1_000;
  }

  /** GitSyncs currently remembered. */
  get size(): number {
    return this.entries.size;
  }

  async lookup(namespace: string, name: string): Promise<TokenLookup> {
    const key = `${namespace}/${name}`;
    const cached = this.entries.get(key);
    const now = Date.now();
    if (cached && now - cached.readAt < this.ttlMs) {
      // Most recently used last: eviction takes the first.
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.token !== undefined ? { token: cached.token } : { token: undefined, reason: cached.reason ?? 'no token' };
    }
    const entry = await this.read(namespace, name, now);
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return entry.token !== undefined ? { token: entry.token } : { token: undefined, reason: entry.reason ?? 'no token' };
  }

  /**
   * The token did not verify a delivery: forget it if it is old enough to have been rotated
   * since, so the next delivery reads it again. Returns whether it was forgotten.
   */
  rejected(namespace: string, name: string): boolean {
    const key = `${namespace}/${name}`;
    const cached = this.entries.get(key);
    if (!cached || Date.now() - cached.readAt < this.rereadAfterMs) return false;
    this.entries.delete(key);
    return true;
  }

  private async read(namespace: string, name: string, now: number): Promise<Entry> {
    const gitsync = await this.client.getOrNull({ apiVersion: GITSYNC_API_VERSION, kind: GITSYNC_KIND, namespace, name });
    if (!gitsync) return { token: undefined, reason: 'no such GitSync', readAt: now };
    const secretName = gitsync.metadata.annotations?.[WEBHOOK_SECRET_ANNOTATION];
    if (!secretName) return { token: undefined, reason: `the GitSync has no ${WEBHOOK_SECRET_ANNOTATION} annotation`, readAt: now };
    const secret = await this.client.getOrNull({ apiVersion: 'v1', kind: 'Secret', namespace, name: secretName });
    const encoded = (secret?.data as Record<string, string> | undefined)?.token;
    if (!encoded) return { token: undefined, reason: secret ? `Secret ${namespace}/${secretName} has no key token` : `Secret ${namespace}/${secretName} not found`, readAt: now };
    return { token: Buffer.from(encoded, 'base64').toString('utf8'), readAt: now };
  }
}
