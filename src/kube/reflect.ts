import type { KubeObject } from '../objects.js';
import { sleep } from '../sleep.js';
import { ExpiredError } from './errors.js';
import type { ListPage } from './list.js';
import type { WatchEvent, WatchOptions } from './watch.js';

/** The part of the Kubernetes gateway a reflector needs (src/kube's KubeClient has it). */
export interface ReflectClient {
  listPage(apiVersion: string, kind: string, options: { namespace?: string; labelSelector?: string; limit?: number; continue?: string; metadataOnly?: boolean }): Promise<ListPage>;
  watch(apiVersion: string, kind: string, options: WatchOptions, onEvent: (event: WatchEvent) => void): Promise<string>;
}

export interface ReflectOptions {
  apiVersion: string;
  kind: string;
  namespace?: string;
  labelSelector?: string;
  /** List and watch metadata only (PartialObjectMetadata): Secrets without their data. */
  metadataOnly?: boolean;
  /** How long one watch request lasts before it is renewed (default 60 s). */
  timeoutSeconds?: number;
  /** Ends the reflection: no callback runs after it aborts. */
  signal: AbortSignal;
  /** A complete list (asked for at `askedAt`): everything there is now, the watch goes on from it. */
  onListed(items: KubeObject[], askedAt: number): void;
  onEvent(event: WatchEvent): void;
  /**
   * The list or the watch failed (`failures` in a row; 0 for an expired version, listed again at
   * once): changes may be missed until the next onListed. Other failures back off, capped.
   */
  onBroken(error: unknown, failures: number): void;
}

/** Page size of the lists a watch starts from: a kind with 10,000 objects is not one answer. */
const LIST_PAGE_SIZE = 500;

/**
 * List, then watch from the list's resourceVersion, renewing the watch as the server ends it and
 * listing again whenever the watch breaks — client-go's reflector, for one kind and selector,
 * until `signal` aborts. The callers keep what they see (a cache) and decide what a change means.
 */
export async function reflect(client: ReflectClient, options: ReflectOptions): Promise<void> {
  const { apiVersion, kind, signal } = options;
  const selector = {
    ...(options.namespace ? { namespace: options.namespace } : {}),
    ...(options.labelSelector ? { labelSelector: options.labelSelector } : {}),
    ...(options.metadataOnly ? { metadataOnly: true } : {}),
  };
  let failures = 0;
  while (!signal.aborted) {
    try {
      const askedAt = Date.now();
      const items: KubeObject[] = [];
      let token: string | undefined;
      let resourceVersion = '';
      do {
        const page = await client.listPage(apiVersion, kind, { ...selector, limit: LIST_PAGE_SIZE, ...(token ? { continue: token } : {}) });
        items.push(...page.items);
        // Every page of one list is a snapshot at the first page's resourceVersion.
        if (!token) resourceVersion = page.resourceVersion;
        token = page.continue;
      } while (token);
      if (signal.aborted) return;
      options.onListed(items, askedAt);
      for (;;) {
        if (signal.aborted) return;
        resourceVersion = await client.watch(apiVersion, kind, { ...selector, resourceVersion, timeoutSeconds: options.timeoutSeconds ?? 60, signal }, (event) => {
          if (!signal.aborted) options.onEvent(event);
        });
        failures = 0;
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ExpiredError) {
        options.onBroken(error, 0);
        continue;
      }
      failures++;
      options.onBroken(error, failures);
      await sleep(Math.min(300_000, 1000 * 2 ** Math.min(failures, 8)), signal);
    }
  }
}
