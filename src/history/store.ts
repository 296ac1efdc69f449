import type { KubeObject, ObjectMeta, ObjectRef } from '../objects.js';
import { FerryError, describeError, hasCode } from '../errors.js';
import { HISTORY_LABEL, HISTORY_NUMBER_LABEL, HISTORY_SECRET_TYPE, HISTORY_SECRETS_ANNOTATION } from '../well-known.js';
import { decodePayload, encodePayload, type HistoryEntry, type HistorySummary } from './entry.js';
import { annotationsOf, findLastGood, summaryOf } from './summary.js';
import type { HistoryCache } from './watch.js';

/** The part of the Kubernetes gateway the history store needs (src/kube's KubeClient has it). */
export interface HistoryClient {
  /** Metadata only (PartialObjectMetadataList): summaries live there, payloads are never listed. */
  listMetadata(apiVersion: string, kind: string, options?: { namespace?: string; labelSelector?: string }): Promise<Array<{ metadata: ObjectMeta }>>;
  getOrNull(ref: ObjectRef): Promise<KubeObject | null>;
  create(object: KubeObject): Promise<KubeObject>;
  /** A whole-object update (PUT), refused on a stale resourceVersion: how old entries are rewritten. */
  replace(object: KubeObject): Promise<KubeObject>;
  delete(ref: ObjectRef): Promise<void>;
}

export { HISTORY_LABEL } from '../well-known.js';
/** Secrets hold at most 1 MiB of data; leave room for metadata. */
export const MAX_PAYLOAD_BYTES = 900 * 1024;
/** The value of HISTORY_SECRETS_ANNOTATION on entries whose Secrets are sealed. */
const SEALED = 'digests';
/** Entry numbers tried after the one expected before giving up: each try lost to a concurrent writer. */
const NUMBERING_ATTEMPTS = 20;

/** Raised when a history entry cannot be stored or read. */
export class HistoryError extends FerryError {}

/** What `record` wrote, and whether removing entries beyond the limit failed. */
export interface Recorded {
  summary: HistorySummary;
  /** Removing old entries failed (the new one is written): the history grows until it works. */
  pruneError?: HistoryError;
  /** Rewriting entries an older ferry wrote with Secret values failed: tried again on the next write. */
  migrationError?: HistoryError;
}

/**
 * The release history of one GitSync: one Secret per recorded revision in the GitSync's
 * namespace, labelled `ferry.dev/history: <name>`, named `ferry.history.<name>.v<N>`. Secrets
 * because the rendered objects may themselves be Secrets from Git; gzip'd JSON because that keeps
 * a 1,000-object revision well under the 1 MiB object limit. Summaries live in labels and
 * annotations, so listing the history reads metadata only and never a payload. History Secrets
 * do not carry `app.kubernetes.io/managed-by: ferry`: they are not objects ferry applied, and
 * the agent's watch of those must not list their payloads. Secrets among the rendered objects
 * are kept sealed (values replaced by digests, see seal-secrets.ts); entries an older ferry wrote
 * with values are rewritten sealed on the next write.
 */
export class HistoryStore {
  /** Entries the last list() found in the old format, with Secret values: the next record() rewrites them. */
  private readonly unsealed = new Set<number>();

  /**
   * `cache` (the agent's history watch) answers lists and reads of entries seen before from
   * memory; without one, or while it cannot answer, they go to the API server.
   */
  constructor(
    private readonly client: HistoryClient,
    readonly namespace: string,
    readonly syncName: string,
    private readonly cache?: HistoryCache,
  ) {}

  /** Every entry's summary, oldest first (one metadata-only list, or none from the cache). */
  async list(): Promise<HistorySummary[]> {
    const secrets =
      this.cache?.secretsOf(this.namespace, this.syncName) ??
      (await this.client.listMetadata('v1', 'Secret', { namespace: this.namespace, labelSelector: `${HISTORY_LABEL}=${this.syncName}` })).map((secret) => secret.metadata);
    const summaries: HistorySummary[] = [];
    for (const metadata of secrets) {
      const summary = summaryOf(metadata);
      if (!summary) continue;
      summaries.push(summary);
      if (metadata.annotations?.[HISTORY_SECRETS_ANNOTATION] !== SEALED) this.unsealed.add(summary.number);
      else this.unsealed.delete(summary.number);
    }
    return summaries.sort((a, b) => a.number - b.number);
  }

  /** One whole entry, or undefined when it does not exist (pruned, or never recorded). */
  async get(number: number): Promise<HistoryEntry | undefined> {
    const name = this.secretName(number);
    const version = this.cache?.secretsOf(this.namespace, this.syncName)?.find((metadata) => metadata.name === name)?.resourceVersion;
    const kept = version ? this.cache?.entryAt(this.namespace, name, version) : undefined;
    if (kept) return kept;
    const secret = await this.client.getOrNull(this.refOf(number));
    if (!secret) return undefined;
    const summary = summaryOf(secret.metadata);
    const data = (secret.data as Record<string, string> | undefined)?.payload;
    if (!summary || data === undefined) {
      throw new HistoryError('HISTORY_CORRUPT', `Secret/${this.namespace}/${secret.metadata.name}: not a readable ferry history entry`);
    }
    const payload = Buffer.from(data, 'base64');
    const entry = { ...summary, ...decodePayload(payload) };
    this.cache?.remember(secret, entry, payload.length);
    return entry;
  }

  /** The newest entry: what is on the cluster now, so the three-way base of the next sync. */
  async latest(): Promise<HistoryEntry | undefined> {
    const newest = (await this.list()).at(-1);
    return newest ? this.get(newest.number) : undefined;
  }

  /** The newest entry that became healthy: where a rollback goes. */
  async lastGood(): Promise<HistoryEntry | undefined> {
    const good = findLastGood(await this.list());
    return good ? this.get(good.number) : undefined;
  }

  /**
   * Records a new entry, numbered after the newest of `known` (the summaries the caller already
   * listed; listed here when not given), and removes the oldest beyond `limit` — never the last
   * good one, which a rollback may still need. A concurrent writer (a `ferry apply` beside the
   * agent) that took the number first makes this one take the next: entries are never lost.
   */
  async record(entry: Omit<HistoryEntry, 'number'>, limit: number, known?: HistorySummary[]): Promise<Recorded> {
    const summaries = known ?? (await this.list());
    const { payload, objectsOmittedKiB } = payloadFor(entry);
    const first = Math.max(0, ...summaries.map((s) => s.number)) + 1;
    for (let number = first; number < first + NUMBERING_ATTEMPTS; number++) {
      const summary = { ...summaryFor(entry, number), ...(objectsOmittedKiB !== undefined ? { objectsOmittedKiB } : {}) };
      try {
        const created = await this.client.create(this.secretOf(summary, payload));
        this.cache?.remember(created, { ...summary, ...decodePayload(payload) }, payload.length);
      } catch (error) {
        if (hasCode(error, 'KUBE_ALREADY_EXISTS')) continue;
        throw new HistoryError('HISTORY_WRITE_FAILED', `cannot record history entry ${number} (Secret/${this.namespace}/${this.secretName(number)}): ${describeError(error)}`, { cause: error });
      }
      let pruneError: HistoryError | undefined;
      let kept = [...summaries, summary];
      try {
        kept = await this.prune(kept, limit);
      } catch (error) {
        pruneError = new HistoryError('HISTORY_PRUNE_FAILED', `cannot remove history entries beyond the limit of ${limit}: ${describeError(error)}`, { cause: error });
      }
      const migrationError = await this.sealOldEntries(kept);
      return { summary, ...(pruneError ? { pruneError } : {}), ...(migrationError ? { migrationError } : {}) };
    }
    throw new HistoryError('HISTORY_WRITE_FAILED', `cannot record a history entry: entries ${first} to ${first + NUMBERING_ATTEMPTS - 1} were all taken by concurrent writers`);
  }

  /** Deletes every entry (the GitSync itself is being deleted); returns how many there were. */
  async deleteAll(): Promise<number> {
    const summaries = await this.list();
    for (const summary of summaries) await this.deleteEntry(summary.number);
    return summaries.length;
  }

  /** Removes the entries beyond `limit`; returns the ones kept. */
  private async prune(summaries: HistorySummary[], limit: number): Promise<HistorySummary[]> {
    const keep = new Set(summaries.slice(-Math.max(1, limit)).map((s) => s.number));
    const lastGood = findLastGood(summaries);
    if (lastGood) keep.add(lastGood.number);
    for (const summary of summaries) {
      if (!keep.has(summary.number)) await this.deleteEntry(summary.number);
    }
    return summaries.filter((summary) => keep.has(summary.number));
  }

  /**
   * Rewrites the kept entries an older ferry wrote with Secret values, sealed (a PUT at the read
   * resourceVersion: a concurrent writer that rewrote or removed one first wins, which is fine).
   */
  private async sealOldEntries(kept: HistorySummary[]): Promise<HistoryError | undefined> {
    for (const { number } of kept) {
      if (!this.unsealed.has(number)) continue;
      try {
        const secret = await this.client.getOrNull(this.refOf(number));
        const data = (secret?.data as Record<string, string> | undefined)?.payload;
        if (secret && data !== undefined && secret.metadata.annotations?.[HISTORY_SECRETS_ANNOTATION] !== SEALED) {
          const payload = encodePayload(decodePayload(Buffer.from(data, 'base64')));
          const rewritten = await this.client.replace({
            ...secret,
            metadata: { ...secret.metadata, annotations: { ...secret.metadata.annotations, [HISTORY_SECRETS_ANNOTATION]: SEALED } },
            data: { payload: payload.toString('base64') },
          });
          this.cache?.remember(rewritten);
        }
        this.unsealed.delete(number);
      } catch (error) {
        if (hasCode(error, 'KUBE_NOT_FOUND') || hasCode(error, 'KUBE_CONFLICT')) {
          this.unsealed.delete(number);
          continue;
        }
        return new HistoryError('HISTORY_MIGRATION_FAILED', `cannot rewrite history entry ${number} (Secret/${this.namespace}/${this.secretName(number)}) without Secret values: ${describeError(error)}`, { cause: error });
      }
    }
    return undefined;
  }

  private async deleteEntry(number: number): Promise<void> {
    try {
      await this.client.delete(this.refOf(number));
    } catch (error) {
      // Gone already (a concurrent writer pruned it too): that is what was wanted.
      if (!hasCode(error, 'KUBE_NOT_FOUND')) throw error;
    }
    this.cache?.forget(this.namespace, this.syncName, this.secretName(number));
  }

  private secretOf(summary: HistorySummary, payload: Buffer): KubeObject {
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      type: HISTORY_SECRET_TYPE,
      metadata: {
        name: this.secretName(summary.number),
        namespace: this.namespace,
        labels: { [HISTORY_LABEL]: this.syncName, [HISTORY_NUMBER_LABEL]: String(summary.number) },
        annotations: { ...annotationsOf(summary), [HISTORY_SECRETS_ANNOTATION]: SEALED },
      },
      data: { payload: payload.toString('base64') },
    };
  }

  private secretName(number: number): string {
    return `ferry.history.${this.syncName}.v${number}`;
  }

  private refOf(number: number): ObjectRef {
    return { apiVersion: 'v1', kind: 'Secret', namespace: this.namespace, name: this.secretName(number) };
  }
}

/**
 * The payload of an entry. Objects too large for one Secret are left out and the entry keeps its
 * inventory only (said in its summary), so the revision is still recorded — applied once, not
 * again on every poll — and a rollback to it can say why it cannot run.
 */
function payloadFor(entry: Omit<HistoryEntry, 'number'>): { payload: Buffer; objectsOmittedKiB?: number } {
  const payload = encodePayload(entry);
  if (payload.length <= MAX_PAYLOAD_BYTES) return { payload };
  const objectsOmittedKiB = Math.ceil(payload.length / 1024);
  const withInventory = encodePayload({ objects: [], inventory: entry.inventory });
  return { payload: withInventory.length <= MAX_PAYLOAD_BYTES ? withInventory : encodePayload({ objects: [], inventory: [] }), objectsOmittedKiB };
}

function summaryFor(entry: Omit<HistoryEntry, 'number'>, number: number): HistorySummary {
  return {
    number,
    revision: entry.revision,
    action: entry.action,
    result: entry.result,
    time: entry.time,
    durationMs: entry.durationMs,
    message: entry.message,
    ...(entry.rolledBackFrom ? { rolledBackFrom: entry.rolledBackFrom } : {}),
    ...(entry.digest ? { digest: entry.digest } : {}),
  };
}
