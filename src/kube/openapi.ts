import { groupOf, versionOf } from '../objects.js';
import { NotFoundError } from './errors.js';

/** An OpenAPI v3 document exactly as the server serves it (raw JSON: nothing dropped). */
export type OpenApiDocument = Record<string, unknown>;

/** Fetches one path as JSON; rejects with NotFoundError on 404. */
export type OpenApiFetch = (path: string) => Promise<unknown>;

/**
 * The server's OpenAPI v3 documents, one per group version (Kubernetes 1.27+, beta since 1.24):
 * the index `/openapi/v3` names each group version's document by a content-hashed URL, so a
 * document is fetched once and kept until discovery is invalidated. A server without OpenAPI v3
 * (404) answers `undefined`, as does a group version it does not describe, so callers can fall
 * back to what they know.
 */
export class OpenApiV3 {
  private index: Promise<Map<string, string> | undefined> | undefined;
  private readonly documents = new Map<string, Promise<OpenApiDocument | undefined>>();

  constructor(private readonly fetchJson: OpenApiFetch) {}

  /** The document of `groupVersion` (`v1`, `apps/v1`, `example.com/v1`). */
  document(groupVersion: string): Promise<OpenApiDocument | undefined> {
    let entry = this.documents.get(groupVersion);
    if (!entry) {
      entry = this.load(groupVersion);
      this.documents.set(groupVersion, entry);
      // Failures are not remembered: the next call asks again.
      entry.catch(() => this.documents.delete(groupVersion));
    }
    return entry;
  }

  /** Forgets the index and every document. */
  invalidate(): void {
    this.index = undefined;
    this.documents.clear();
  }

  private async load(groupVersion: string): Promise<OpenApiDocument | undefined> {
    const key = groupOf(groupVersion) === '' ? `api/${versionOf(groupVersion)}` : `apis/${groupOf(groupVersion)}/${versionOf(groupVersion)}`;
    const index = await this.paths(false);
    if (!index) return undefined;
    // A group version the cached index lacks may be new (a CRD just established): ask once more.
    const url = index.get(key) ?? (await this.paths(true))?.get(key);
    if (url === undefined) return undefined;
    try {
      return (await this.fetchJson(url)) as OpenApiDocument;
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      // Gone since the index was read (its hash changed): the next call reads a fresh index.
      this.index = undefined;
      return undefined;
    }
  }

  private paths(fresh: boolean): Promise<Map<string, string> | undefined> {
    if (fresh || !this.index) {
      const loading = this.loadIndex();
      this.index = loading;
      loading.catch(() => {
        if (this.index === loading) this.index = undefined;
      });
    }
    return this.index as Promise<Map<string, string> | undefined>;
  }

  private async loadIndex(): Promise<Map<string, string> | undefined> {
    let body: unknown;
    try {
      body = await this.fetchJson('/openapi/v3');
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
    const paths = new Map<string, string>();
    for (const [key, entry] of Object.entries((body as { paths?: Record<string, { serverRelativeURL?: string }> }).paths ?? {})) {
      if (entry?.serverRelativeURL) paths.set(key, entry.serverRelativeURL);
    }
    return paths;
  }
}
