import { createHash } from 'node:crypto';
import { stripUrlCredentials } from '../../log/index.js';
import { AuthenticationError, RepositoryNotFoundError, SourceError, SourceUnreachableError } from '../errors.js';
import { treeFromFiles } from '../memory-tree.js';
import type { SourceTree } from '../types.js';
import { basicAuth, httpGet, type HttpOptions } from './http.js';
import { OciRepository, tagOfVersion, versionOfTag } from './oci.js';
import { readRepositoryIndex, resolveIndexEntry, type IndexEntry } from './repository-index.js';
import { readChartArchive } from './tar.js';
import type { ChartCredentials, ChartRef } from './types.js';
import { pickVersion } from './versions.js';

/** One version of a chart, fetched: a revision of its own. */
export interface FetchedChart {
  /** `chart@version@sha256:<12 hex>`: what history, status and messages call it. */
  revision: string;
  chart: string;
  version: string;
  /** `sha256:…` of the archive (HTTP repositories) or of the manifest (OCI registries). */
  digest: string;
  /** The chart's files, Chart.yaml at the root. */
  tree: SourceTree;
}

export interface ChartSourceOptions {
  /** Per request (default 60 s). */
  timeoutMs?: number;
  /** Chart versions kept in memory between polls (default 64). */
  maxCharts?: number;
}

/**
 * Charts from Helm repositories (an `index.yaml` and archives over HTTP(S)) and OCI registries,
 * resolved to the highest version a range allows, checked against their digests, and kept in
 * memory by digest, so a poll that finds the same version downloads only the index (or the tag
 * list) again. Credentials go only to the repository's own host, never into a message.
 */
export class ChartSource {
  private readonly charts = new Map<string, SourceTree>();
  private readonly indexes = new Map<string, { etag: string; charts: Map<string, IndexEntry[]> }>();
  private readonly timeoutMs: number;
  private readonly maxCharts: number;

  constructor(options: ChartSourceOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.maxCharts = options.maxCharts ?? 64;
  }

  /** Resolves `ref` to a version and fetches that chart (from memory when its digest is known). */
  async fetch(ref: ChartRef, credentials: ChartCredentials = {}, signal?: AbortSignal): Promise<FetchedChart> {
    if (ref.repository.startsWith('oci://')) return this.fetchOci(ref, credentials, signal);
    if (!/^https?:\/\//.test(ref.repository)) {
      throw new SourceError('SOURCE_BAD_URL', `${stripUrlCredentials(ref.repository)}: a chart repository is an https:// (or http://) URL, or an oci:// registry`);
    }
    return this.fetchFromIndex(ref, credentials, signal);
  }

  private async fetchFromIndex(ref: ChartRef, credentials: ChartCredentials, signal: AbortSignal | undefined): Promise<FetchedChart> {
    const base = ref.repository.replace(/\/+$/, '');
    const what = `${stripUrlCredentials(base).replace(/\/$/, '')} chart ${ref.chart}`;
    const indexUrl = `${base}/index.yaml`;
    const auth = credentials.username && credentials.password ? basicAuth(credentials.username, credentials.password) : undefined;
    const http = (url: string, headers: Record<string, string> = {}): HttpOptions => ({
      // As helm does without --pass-credentials: credentials only for the repository's own host.
      headers: { ...headers, ...(auth && new URL(url).host === new URL(indexUrl).host ? { Authorization: auth } : {}) },
      timeoutMs: this.timeoutMs,
      ...(credentials.caCert ? { ca: credentials.caCert } : {}),
      ...(signal ? { signal } : {}),
    });
    const known = this.indexes.get(indexUrl);
    const answer = await httpGet(indexUrl, http(indexUrl, known ? { 'If-None-Match': known.etag } : {}));
    let charts: Map<string, IndexEntry[]>;
    if (answer.status === 304 && known) {
      charts = known.charts;
    } else {
      failOn(answer.status, `${stripUrlCredentials(indexUrl)}`, Boolean(auth));
      charts = readRepositoryIndex(answer.body.toString('utf8'), what);
      const etag = answer.headers.etag;
      if (typeof etag === 'string') this.indexes.set(indexUrl, { etag, charts });
    }
    const entry = resolveIndexEntry(charts, ref.chart, ref.version, what);
    const archiveUrl = entry.urls[0];
    if (!archiveUrl) throw new SourceError('SOURCE_BAD_INDEX', `${what} ${entry.version}: the index gives no URL for the archive`);
    const listedDigest = entry.digest ? `sha256:${entry.digest}` : undefined;
    const kept = listedDigest ? this.charts.get(listedDigest) : undefined;
    if (kept && listedDigest) return this.fetched(ref.chart, entry.version, listedDigest, kept);
    const url = new URL(archiveUrl, indexUrl).toString();
    const archive = await httpGet(url, http(url));
    failOn(archive.status, stripUrlCredentials(url), Boolean(auth));
    const digest = `sha256:${createHash('sha256').update(archive.body).digest('hex')}`;
    if (listedDigest && digest !== listedDigest) {
      throw new SourceError('SOURCE_DIGEST_MISMATCH', `${what} ${entry.version}: the archive's digest is ${digest}, not the ${listedDigest} the index lists; refusing it`);
    }
    return this.fetched(ref.chart, entry.version, digest, this.keep(ref.chart, entry.version, digest, archive.body, `${what} ${entry.version}`));
  }

  private async fetchOci(ref: ChartRef, credentials: ChartCredentials, signal: AbortSignal | undefined): Promise<FetchedChart> {
    const repository = new OciRepository(ref.repository, ref.chart, credentials, { plainHttp: ref.insecure === true, timeoutMs: this.timeoutMs, ...(signal ? { signal } : {}) });
    const tags = await repository.tags();
    const version = pickVersion(tags.map(versionOfTag), ref.version, repository.shown);
    const pulled = await repository.pull(tagOfVersion(version));
    const kept = this.charts.get(pulled.digest) ?? this.keep(ref.chart, version, pulled.digest, pulled.archive, `${repository.shown}:${version}`);
    return this.fetched(ref.chart, version, pulled.digest, kept);
  }

  private fetched(chart: string, version: string, digest: string, tree: SourceTree): FetchedChart {
    return { revision: tree.revision, chart, version, digest, tree };
  }

  /** Unpacks an archive into a tree named by chart, version and digest, and keeps it (oldest dropped first). */
  private keep(chart: string, version: string, digest: string, archive: Buffer, what: string): SourceTree {
    const files = readChartArchive(archive, what);
    const chartYaml = files.find((file) => file.path === 'Chart.yaml');
    if (!chartYaml) throw new SourceError('SOURCE_NOT_A_CHART', `${what}: the archive holds no Chart.yaml`);
    const tree = treeFromFiles(files, `${chart}@${version}@${digest.slice(0, 'sha256:'.length + 12)}`);
    this.charts.delete(digest);
    this.charts.set(digest, tree);
    while (this.charts.size > this.maxCharts) this.charts.delete(this.charts.keys().next().value as string);
    return tree;
  }
}

/** The process-wide chart source: what the agent and the CLI fetch charts through. */
export const sharedChartSource = new ChartSource();

function failOn(status: number, shown: string, withCredentials: boolean): void {
  if (status < 300) return;
  if (status === 401 || status === 403) {
    throw new AuthenticationError('SOURCE_AUTH_FAILED', `${shown}: HTTP ${status}: ${withCredentials ? 'the repository refused the credentials of the Secret' : 'the repository wants credentials (name a Secret with username and password)'}`);
  }
  if (status === 404) throw new RepositoryNotFoundError('SOURCE_NOT_FOUND', `${shown}: HTTP 404: not found`);
  throw new SourceUnreachableError('SOURCE_UNREACHABLE', `${shown}: HTTP ${status}`);
}
