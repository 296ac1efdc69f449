import { parse } from 'yaml';
import { isJsonObject } from '../../objects.js';
import { RefNotFoundError, SourceError } from '../errors.js';
import { pickVersion } from './versions.js';

/** One chart version a repository's index.yaml lists. */
export interface IndexEntry {
  name: string;
  version: string;
  /** Where the archive is: absolute, or relative to the index. */
  urls: string[];
  /** sha256 of the archive, hex, when the index gives one (`helm repo index` does). */
  digest?: string;
}

/** A Helm repository's `index.yaml`, read into the entries of each chart. */
export function readRepositoryIndex(text: string, what: string): Map<string, IndexEntry[]> {
  let index: unknown;
  try {
    index = parse(text, { maxAliasCount: 1000 });
  } catch (error) {
    throw new SourceError('SOURCE_BAD_INDEX', `${what}: index.yaml does not parse: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!isJsonObject(index) || !isJsonObject(index.entries)) throw new SourceError('SOURCE_BAD_INDEX', `${what}: index.yaml has no entries; is this a Helm chart repository?`);
  const charts = new Map<string, IndexEntry[]>();
  for (const [name, list] of Object.entries(index.entries)) {
    if (!Array.isArray(list)) continue;
    charts.set(
      name,
      list.filter(isJsonObject).flatMap((entry): IndexEntry[] =>
        typeof entry.version === 'string' && Array.isArray(entry.urls)
          ? [{ name, version: entry.version, urls: entry.urls.map(String), ...(typeof entry.digest === 'string' ? { digest: entry.digest } : {}) }]
          : [],
      ),
    );
  }
  return charts;
}

/** The entry of the highest version of `chart` in the index that satisfies `range`. */
export function resolveIndexEntry(charts: ReadonlyMap<string, IndexEntry[]>, chart: string, range: string | undefined, what: string): IndexEntry {
  const entries = charts.get(chart);
  if (!entries || entries.length === 0) {
    const names = [...charts.keys()].sort().slice(0, 10).join(', ');
    throw new RefNotFoundError('SOURCE_CHART_NOT_FOUND', `${what}: the repository has no chart "${chart}"${names ? ` (it has: ${names})` : ''}`);
  }
  const version = pickVersion(entries.map((entry) => entry.version), range, what);
  return entries.find((entry) => entry.version === version) as IndexEntry;
}
