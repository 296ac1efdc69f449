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

/** One API group the server serves (`''` is the core group), its versions in the server's order of preference. */
export interface ApiGroup {
  name: string;
  /** The version the server prefers: the one `kubectl get` uses, and the one objects are best read at. */
  preferredVersion: string;
  versions: string[];
}

/**
 * Fetches one discovery document as JSON, with an Accept header when given; rejects with
 * NotFoundError on 404.
 */
export type DiscoveryFetch = (path: string, accept?: string) => Promise<unknown>;

/**
 * Aggregated discovery (Kubernetes 1.26+; v2 since 1.30, v2beta1 before): every group, version
 * and resource of `/api` or `/apis` in one answer. Plain JSON last, so servers without it
 * answer with the classic APIVersions / APIGroupList documents.
 */
export const AGGREGATED_DISCOVERY_ACCEPT = [
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
  'application/json',
].join(',');

/** The classic per-group-version document (`/apis/apps/v1`). */
interface ResourceListEntry {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs?: string[];
}

/** The parts of an aggregated discovery answer ferry reads. */
interface AggregatedList {
  kind: 'APIGroupDiscoveryList';
  items?: Array<{
    metadata?: { name?: string };
    versions?: Array<{
      version: string;
      resources?: Array<{ resource: string; responseKind?: { kind?: string }; scope?: string; verbs?: string[]; subresources?: Array<{ subresource: string }> }>;
    }>;
  }>;
}

type Kinds = Map<string, ApiResource>;

/**
 * apiVersion + kind → resource, and the listing of every group, version and resource the server
 * serves. Read from aggregated discovery when the server offers it (two requests for
 * everything), else from `/api`, `/apis` and one document per group version, fetched on first
 * use. Everything is cached until `invalidate`; a kind the cache does not know triggers one
 * refetch of its group version before it is declared unknown: a CRD may just have been established.
 */
export class Discovery {
  private index: Promise<ApiGroup[]> | undefined;
  private readonly groupVersions = new Map<string, Promise<Kinds>>();

  constructor(private readonly fetchDocument: DiscoveryFetch) {}

  async resourceFor(apiVersion: string, kind: string): Promise<ApiResource> {
    // Without the index (an error reading it) the group version's own document still answers.
    await this.groups().catch(() => undefined);
    const wasCached = this.groupVersions.has(apiVersion);
    const hit = (await this.kinds(apiVersion).catch(() => undefined))?.get(kind);
    if (hit) return hit;
    // What was just read is fresh; only a cached answer is worth asking again.
    const found = wasCached ? (await this.refetch(apiVersion)).get(kind) : (await this.kinds(apiVersion)).get(kind);
    if (found) return found;
    throw new UnknownKindError(
      'KUBE_UNKNOWN_KIND',
      `the server has no kind ${kind} in ${apiVersion}${groupOf(apiVersion).includes('.') ? '; is its CustomResourceDefinition installed?' : '; check apiVersion and kind'}`,
      { reason: 'UnknownKind' },
    );
  }

  /**
   * The resource of `kind` in `group` at the version the server prefers, else at the first
   * other version (in the server's order of preference) that serves it: how to reach an object
   * whose recorded apiVersion is no longer served (`policy/v1beta1` → `policy/v1`).
   */
  async resourceForGroupKind(group: string, kind: string): Promise<ApiResource> {
    for (const fresh of [false, true]) {
      // Not found in what is cached: the group may have changed (a CRD version added) — read it again.
      if (fresh) this.index = undefined;
      const served = (await this.groups()).find((candidate) => candidate.name === group);
      for (const version of served ? [served.preferredVersion, ...served.versions.filter((v) => v !== served.preferredVersion)] : []) {
        const apiVersion = group ? `${group}/${version}` : version;
        const found = (await (fresh ? this.refetch(apiVersion) : this.kinds(apiVersion))).get(kind);
        if (found) return found;
      }
    }
    throw new UnknownKindError(
      'KUBE_UNKNOWN_KIND',
      `the server serves no kind ${kind} in the API group ${group ? `"${group}"` : 'core'} at any version${group.includes('.') ? '; is its CustomResourceDefinition installed?' : ''}`,
      { reason: 'UnknownKind' },
    );
  }

  /** Every API group the server serves, the core group (`''`) first. */
  groups(): Promise<ApiGroup[]> {
    if (!this.index) {
      const loading = this.loadIndex();
      this.index = loading;
      loading.catch(() => {
        if (this.index === loading) this.index = undefined;
      });
    }
    return this.index;
  }

  /** Every resource of every served group version (subresources as part of their resource). */
  async resources(): Promise<ApiResource[]> {
    const groups = await this.groups();
    const apiVersions = groups.flatMap((group) => group.versions.map((version) => (group.name ? `${group.name}/${version}` : version)));
    const kinds = await Promise.all(apiVersions.map((apiVersion) => this.kinds(apiVersion)));
    return kinds.flatMap((byKind) => [...byKind.values()]);
  }

  /** Forgets everything: the next lookups refetch. */
  invalidate(): void {
    this.index = undefined;
    this.groupVersions.clear();
  }

  private kinds(apiVersion: string): Promise<Kinds> {
    let entry = this.groupVersions.get(apiVersion);
    if (!entry) {
      entry = this.loadGroupVersion(apiVersion);
      this.groupVersions.set(apiVersion, entry);
      entry.catch(() => {
        if (this.groupVersions.get(apiVersion) === entry) this.groupVersions.delete(apiVersion);
      });
    }
    return entry;
  }

  private refetch(apiVersion: string): Promise<Kinds> {
    this.groupVersions.delete(apiVersion);
    return this.kinds(apiVersion);
  }

  private async loadIndex(): Promise<ApiGroup[]> {
    const [core, named] = await Promise.all([this.fetchDocument('/api', AGGREGATED_DISCOVERY_ACCEPT), this.fetchDocument('/apis', AGGREGATED_DISCOVERY_ACCEPT)]);
    return [...this.readRoot(core, 'core'), ...this.readRoot(named, 'named')];
  }

  /** Groups of one discovery root; an aggregated answer also fills in their resources. */
  private readRoot(document: unknown, root: 'core' | 'named'): ApiGroup[] {
    if (isAggregated(document)) {
      const groups: ApiGroup[] = [];
      for (const item of document.items ?? []) {
        const name = item.metadata?.name ?? '';
        const versions = (item.versions ?? []).map((entry) => entry.version);
        // Versions come in descending order of preference: the first is the preferred one.
        if (versions[0] !== undefined) groups.push({ name, preferredVersion: versions[0], versions });
        for (const entry of item.versions ?? []) {
          const apiVersion = name ? `${name}/${entry.version}` : entry.version;
          const kinds: Kinds = new Map();
          for (const resource of entry.resources ?? []) {
            const kind = resource.responseKind?.kind;
            if (!kind) continue;
            kinds.set(kind, {
              group: name,
              version: entry.version,
              apiVersion,
              kind,
              name: resource.resource,
              namespaced: resource.scope === 'Namespaced',
              verbs: resource.verbs ?? [],
              subresources: (resource.subresources ?? []).map((sub) => sub.subresource),
            });
          }
          this.groupVersions.set(apiVersion, Promise.resolve(kinds));
        }
      }
      return groups;
    }
    if (root === 'core') {
      const versions = (document as { versions?: string[] }).versions ?? [];
      return versions[0] === undefined ? [] : [{ name: '', preferredVersion: versions[0], versions }];
    }
    const groups = (document as { groups?: Array<{ name: string; versions?: Array<{ version: string }>; preferredVersion?: { version: string } }> }).groups ?? [];
    return groups.flatMap((group) => {
      const versions = (group.versions ?? []).map((entry) => entry.version);
      const preferred = group.preferredVersion?.version ?? versions[0];
      return preferred === undefined ? [] : [{ name: group.name, preferredVersion: preferred, versions }];
    });
  }

  private async loadGroupVersion(apiVersion: string): Promise<Kinds> {
    const group = groupOf(apiVersion);
    const version = versionOf(apiVersion);
    let document: { resources?: ResourceListEntry[] };
    try {
      document = (await this.fetchDocument(group === '' ? `/api/${version}` : `/apis/${group}/${version}`)) as typeof document;
    } catch (error) {
      // A group version the server does not serve (or no longer serves) has no kinds.
      if (error instanceof NotFoundError) return new Map();
      throw error;
    }
    const entries = document.resources ?? [];
    const subresources = new Map<string, string[]>();
    for (const entry of entries) {
      const slash = entry.name.indexOf('/');
      if (slash > 0) {
        const parent = entry.name.slice(0, slash);
        subresources.set(parent, [...(subresources.get(parent) ?? []), entry.name.slice(slash + 1)]);
      }
    }
    const kinds: Kinds = new Map();
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

function isAggregated(document: unknown): document is AggregatedList {
  return typeof document === 'object' && document !== null && (document as { kind?: unknown }).kind === 'APIGroupDiscoveryList';
}
