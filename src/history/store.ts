import type { KubeObject, ObjectRef } from '../objects.js';
import { FerryError, hasCode } from '../errors.js';
import { HISTORY_ANNOTATION_PREFIX, HISTORY_LABEL, HISTORY_NUMBER_LABEL, HISTORY_SECRET_TYPE, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../well-known.js';
import { decodePayload, encodePayload, type HistoryEntry, type HistorySummary } from './entry.js';

/** The part of the Kubernetes gateway the history store needs (src/kube's KubeClient has it). */
export interface HistoryClient {
  list(apiVersion: string, kind: string, options?: { namespace?: string; labelSelector?: string }): Promise<KubeObject[]>;
  getOrNull(ref: ObjectRef): Promise<KubeObject | null>;
  create(object: KubeObject): Promise<KubeObject>;
  delete(ref: ObjectRef): Promise<void>;
}

export { HISTORY_LABEL } from '../well-known.js';
const SECRET_TYPE = HISTORY_SECRET_TYPE;
const ANNOTATION_PREFIX = HISTORY_ANNOTATION_PREFIX;
/** Secrets hold at most 1 MiB; leave room for metadata. */
const MAX_PAYLOAD_BYTES = 900 * 1024;

/** Raised when a history entry cannot be stored or read. */
export class HistoryError extends FerryError {}

/**
 * The release history of one GitSync: one Secret per recorded revision in the GitSync's
 * namespace, labelled `ferry.dev/history: <name>`, named `ferry.history.<name>.v<N>`. Secrets
 * because the rendered objects may themselves be Secrets from Git; gzip'd JSON because that keeps
 * a 1,000-object revision well under the 1 MiB object limit. Summaries live in annotations so
 * `ferry history` and the last-good lookup never decompress payloads.
 */
export class HistoryStore {
  constructor(
    private readonly client: HistoryClient,
    readonly namespace: string,
    readonly syncName: string,
  ) {}

  /** Every entry's summary, oldest first. */
  async list(): Promise<HistorySummary[]> {
    const secrets = await this.client.list('v1', 'Secret', {
      namespace: this.namespace,
      labelSelector: `${HISTORY_LABEL}=${this.syncName}`,
    });
    return secrets
      .map((secret) => summaryOf(secret))
      .filter((summary): summary is HistorySummary => summary !== undefined)
      .sort((a, b) => a.number - b.number);
  }

  /** One whole entry, or undefined when it does not exist (pruned, or never recorded). */
  async get(number: number): Promise<HistoryEntry | undefined> {
    const secret = await this.client.getOrNull(this.refOf(number));
    if (!secret) return undefined;
    const summary = summaryOf(secret);
    const data = (secret.data as Record<string, string> | undefined)?.payload;
    if (!summary || data === undefined) {
      throw new HistoryError('HISTORY_CORRUPT', `Secret/${this.namespace}/${secret.metadata.name}: not a readable ferry history entry`);
    }
    return { ...summary, ...decodePayload(Buffer.from(data, 'base64')) };
  }

  /** The newest entry: what is on the cluster now, so the three-way base of the next sync. */
  async latest(): Promise<HistoryEntry | undefined> {
    const summaries = await this.list();
    const newest = summaries.at(-1);
    return newest ? this.get(newest.number) : undefined;
  }

  /** The newest entry that became healthy: where a rollback goes. */
  async lastGood(): Promise<HistoryEntry | undefined> {
    const summaries = await this.list();
    const good = findLastGood(summaries);
    return good ? this.get(good.number) : undefined;
  }

  /**
   * Records a new entry (numbered after the newest) and removes the oldest beyond `limit`,
   * never the last good one, which a rollback may still need.
   */
  async record(entry: Omit<HistoryEntry, 'number'>, limit: number): Promise<HistorySummary> {
    const summaries = await this.list();
    const number = (summaries.at(-1)?.number ?? 0) + 1;
    const payload = encodePayload(entry);
    if (payload.length > MAX_PAYLOAD_BYTES) {
      throw new HistoryError(
        'HISTORY_TOO_LARGE',
        `revision ${entry.revision} renders ${entry.objects.length} objects, ${Math.round(payload.length / 1024)} KiB compressed: too large for one history Secret (limit ${MAX_PAYLOAD_BYTES / 1024} KiB)`,
      );
    }
    const summary: HistorySummary = {
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
    await this.client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      type: SECRET_TYPE,
      metadata: {
        name: this.secretName(number),
        namespace: this.namespace,
        labels: {
          [HISTORY_LABEL]: this.syncName,
          [MANAGED_BY_LABEL]: MANAGED_BY_VALUE,
          [HISTORY_NUMBER_LABEL]: String(number),
        },
        annotations: annotationsOf(summary),
      },
      data: { payload: payload.toString('base64') },
    });
    await this.prune([...summaries, summary], limit);
    return summary;
  }

  /** Deletes every entry (the GitSync itself is being deleted); returns how many there were. */
  async deleteAll(): Promise<number> {
    const summaries = await this.list();
    for (const summary of summaries) {
      try {
        await this.client.delete(this.refOf(summary.number));
      } catch (error) {
        // Gone already (a concurrent cleanup): that is what was wanted.
        if (!hasCode(error, 'KUBE_NOT_FOUND')) throw error;
      }
    }
    return summaries.length;
  }

  private async prune(summaries: HistorySummary[], limit: number): Promise<void> {
    const keep = new Set(summaries.slice(-Math.max(1, limit)).map((s) => s.number));
    const lastGood = findLastGood(summaries);
    if (lastGood) keep.add(lastGood.number);
    for (const summary of summaries) {
      if (!keep.has(summary.number)) await this.client.delete(this.refOf(summary.number));
    }
  }

  private secretName(number: number): string {
    return `ferry.history.${this.syncName}.v${number}`;
  }

  private refOf(number: number): ObjectRef {
    return { apiVersion: 'v1', kind: 'Secret', namespace: this.namespace, name: this.secretName(number) };
  }
}

/** The newest summary whose result is Succeeded. */
export function findLastGood(summaries: HistorySummary[]): HistorySummary | undefined {
  for (let i = summaries.length - 1; i >= 0; i--) {
    const summary = summaries[i];
    if (summary?.result === 'Succeeded') return summary;
  }
  return undefined;
}

/**
 * True when `revision` was the newest thing tried and failed: it is not applied again until a
 * different revision arrives or the user forces it (no rollback → retry → rollback loops).
 */
export function isKnownFailedRevision(summaries: HistorySummary[], revision: string): boolean {
  for (let i = summaries.length - 1; i >= 0; i--) {
    const summary = summaries[i];
    if (!summary) continue;
    if (summary.action === 'rollback' && summary.rolledBackFrom === revision) return true;
    if (summary.revision === revision) return summary.result === 'Failed';
  }
  return false;
}

function annotationsOf(summary: HistorySummary): Record<string, string> {
  const annotations: Record<string, string> = {
    [`${ANNOTATION_PREFIX}revision`]: summary.revision,
    [`${ANNOTATION_PREFIX}action`]: summary.action,
    [`${ANNOTATION_PREFIX}result`]: summary.result,
    [`${ANNOTATION_PREFIX}time`]: summary.time,
    [`${ANNOTATION_PREFIX}duration-ms`]: String(Math.round(summary.durationMs)),
    [`${ANNOTATION_PREFIX}message`]: summary.message.slice(0, 1024),
  };
  if (summary.rolledBackFrom) annotations[`${ANNOTATION_PREFIX}rolled-back-from`] = summary.rolledBackFrom;
  if (summary.digest) annotations[`${ANNOTATION_PREFIX}digest`] = summary.digest;
  return annotations;
}

function summaryOf(secret: KubeObject): HistorySummary | undefined {
  const annotations = secret.metadata.annotations ?? {};
  const number = Number(secret.metadata.labels?.[HISTORY_NUMBER_LABEL]);
  const revision = annotations[`${ANNOTATION_PREFIX}revision`];
  const action = annotations[`${ANNOTATION_PREFIX}action`];
  const result = annotations[`${ANNOTATION_PREFIX}result`];
  if (!Number.isInteger(number) || !revision || (action !== 'sync' && action !== 'rollback') || (result !== 'Succeeded' && result !== 'Failed')) {
    return undefined;
  }
  const rolledBackFrom = annotations[`${ANNOTATION_PREFIX}rolled-back-from`];
  const digest = annotations[`${ANNOTATION_PREFIX}digest`];
  return {
    number,
    revision,
    action,
    result,
    time: annotations[`${ANNOTATION_PREFIX}time`] ?? '',
    durationMs: Number(annotations[`${ANNOTATION_PREFIX}duration-ms`] ?? 0),
    message: annotations[`${ANNOTATION_PREFIX}message`] ?? '',
    ...(rolledBackFrom ? { rolledBackFrom } : {}),
    ...(digest ? { digest } : {}),
  };
}
