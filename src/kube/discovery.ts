import { groupOf, versionOf } from '../objects.js';
import { NotFoundError, UnknownKindError } from './errors.js';

/** What discovery says about one kind. */
export interface ApiResource {
  group: string;
  version: string;
  apiVersion: string;
  kind: string;
  /** The plural resource name used in URLs (`deployments`). */
  name: string;
  namespaced: boolean;
  verbs: string[];
  /** Subresources the server serves for it (`status`, `scale` …). */
  subresources: string[];
}

interface ResourceListEntry {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs?: string[];
}

/** Fetches one discovery document (`/api/v1`, `/apis/apps/v1`) as JSON. */
export type DiscoveryFetch = (path: string) => Promise<{ resources?: ResourceListEntry[] }>;

/**
 * apiVersion + kind → resource, from the server's discovery documents, fetched per group version
 * on first use and cached. A kind the cache does not know triggers one refetch of its group
 * version before it is declared unknown: a CRD may just have been established.
 */
export class Discovery {
  private readonly cache = new Map<string, Promise<Map<string, ApiResource>>>();

  constructor(private readonly fetchDocument: DiscoveryFetch) {}

  async resourceFor(apiVersion: string, kind: string): Promise<ApiResource> {
    const cached = await this.kinds(apiVersion).catch(() => undefined);
    const hit = cached?.get(kind);
    if (hit) return hit;
    this.cache.delete(apiVersion);
    const fresh = await this.kinds(apiVersion).catch((error: unknown) => {
      this.cache.delete(apiVersion);
      if (error instanceof NotFoundError) return new Map<string, ApiResource>();
      throw error;
    });
    const found = fresh.get(kind);
    if (found) return found;
    throw new UnknownKindError(
      'KUBE_UNKNOWN_KIND',
      `the server has no kind ${kind} in ${apiVersion}${groupOf(apiVersion).includes('.') ? '; is its CustomResourceDefinition installed?' : '; check apiVersion and kind'}`,
      { reason: 'UnknownKind' },
    );
  }

  /** Forgets everything: the next lookups refetch. */
  invalidate(): void {
    this.cache.clear();
  }

  private kinds(apiVersion: string): Promise<Map<string, ApiResource>> {
    let entry = this.cache.get(apiVersion);
    if (!entry) {
      entry = this.load(apiVersion);
      this.cache.set(apiVersion, entry);
    }
    return entry;
  }

  private async load(apiVersion: string): Promise<Map<string, ApiResource>> {
    const group = groupOf(apiVersion);
    const version = versionOf(apiVersion);
    const document = await this.fetchDocument(group === '' ? `/api/${version}` : `/apis/${group}/${version}`);
    const entries = document.resources ?? [];
    const subresources = new Map<string, string[]>();
    for (const entry of entries) {
      const slash = entry.name.indexOf('/');
      if (slash > 0) {
        const parent = entry.name.slice(0, slash);
        subresources.set(parent, [...(subresources.get(parent) ?? []), entry.name.slice(slash + 1)]);
      }
    }
    const kinds = new Map<string, ApiResource>();
    for (const entry of entries) {
      if (entry.name.includes('/')) continue;
      kinds.set(entry.kind, {
        group,
        version,
        apiVersion,
        kind: entry.kind,
        name: entry.name,
        namespaced: entry.namespaced,
        verbs: entry.verbs ?? [],
        subresources: subresources.get(entry.name) ?? [],
      });
    }
    return kinds;
  }
}
