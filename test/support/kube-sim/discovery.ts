/**
 * Discovery documents as the real servers write them: `/api`, `/apis`, `/apis/<group>`, the
 * resource list of one group version, and aggregated discovery (`apidiscovery.k8s.io/v2`, one
 * document for every group, version and resource; case-discovery-aggregated-apis.json).
 */
import { GROUP_ORDER, verbsOf, type SimKind } from './kinds.js';
import type { VersionProfile } from './versions.js';

type Obj = Record<string, unknown>;

/** The media type a client asks for (and gets) aggregated discovery with. */
export const AGGREGATED_DISCOVERY = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** A custom resource: its kinds come from an Established CRD, and its verbs are listed in the CRD handler's order. */
export interface ServedKind extends SimKind {
  custom?: boolean;
}

/** Verbs of a custom resource, in the order the CRD handler lists them. */
const CUSTOM_VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

function verbs(kind: ServedKind): string[] {
  return kind.custom ? CUSTOM_VERBS : verbsOf(kind);
}

export interface GroupVersions {
  name: string;
  /** Preferred first. */
  versions: string[];
}

/** Groups with their versions, in the order the real server lists them (custom groups last). */
export function servedGroups(kinds: ServedKind[]): GroupVersions[] {
  const groups = new Map<string, string[]>();
  for (const kind of kinds) {
    if (!kind.group) continue;
    const versions = groups.get(kind.group) ?? [];
    if (!versions.includes(kind.version)) versions.push(kind.version);
    groups.set(kind.group, versions);
  }
  const rank = (name: string) => {
    const index = GROUP_ORDER.indexOf(name);
    return index === -1 ? GROUP_ORDER.length : index;
  };
  return [...groups.entries()].map(([name, versions]) => ({ name, versions })).sort((a, b) => rank(a.name) - rank(b.name));
}

function groupDocument(group: GroupVersions): Obj {
  const preferred = group.versions[0] as string;
  return {
    name: group.name,
    versions: group.versions.map((version) => ({ groupVersion: `${group.name}/${version}`, version })),
    preferredVersion: { groupVersion: `${group.name}/${preferred}`, version: preferred },
  };
}

export function apiVersions(): Obj {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }] };
}

export function groupList(kinds: ServedKind[]): Obj {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: servedGroups(kinds).map(groupDocument) };
}

export function apiGroup(kinds: ServedKind[], name: string): Obj | undefined {
  const group = servedGroups(kinds).find((candidate) => candidate.name === name);
  return group ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDocument(group) } : undefined;
}

/** The APIResourceList of one group version; resources sorted by name, as the server sorts them. */
export function resourceList(profile: VersionProfile, groupVersion: string, kinds: ServedKind[]): Obj {
  const resources: Obj[] = [];
  for (const kind of [...kinds].sort((a, b) => (a.plural < b.plural ? -1 : 1))) {
    resources.push({
      name: kind.plural,
      // 1.19 left the singular name of built-in resources empty; later versions fill it in.
      singularName: profile.version === '1.19' && !kind.custom ? '' : kind.singular,
      namespaced: kind.namespaced,
      kind: kind.kind,
      verbs: verbs(kind),
      ...(kind.shortNames ? { shortNames: kind.shortNames } : {}),
      ...(kind.categories ? { categories: kind.categories } : {}),
    });
    if (kind.statusSubresource) {
      resources.push({ name: `${kind.plural}/status`, singularName: '', namespaced: kind.namespaced, kind: kind.kind, verbs: STATUS_VERBS });
    }
  }
  // The core group's list carries no apiVersion (case-discovery-api-v1.json); the others do.
  return groupVersion === 'v1' ? { kind: 'APIResourceList', groupVersion, resources } : { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

/**
 * Aggregated discovery: `/apis` lists every group (`/api` the core group) with all versions and
 * resources, each resource with its subresources.
 */
export function aggregatedDiscovery(kinds: ServedKind[], core: boolean): Obj {
  const groups: GroupVersions[] = core ? [{ name: '', versions: ['v1'] }] : servedGroups(kinds);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((group) => ({
      metadata: { name: group.name, creationTimestamp: null },
      versions: group.versions.map((version) => ({
        version,
        resources: kinds
          .filter((kind) => kind.group === group.name && kind.version === version)
          .sort((a, b) => (a.plural < b.plural ? -1 : 1))
          .map((kind) => {
            // Built-in kinds name their response kind without group and version; custom ones with.
            const responseKind = kind.custom ? { group: kind.group, version: kind.version, kind: kind.kind } : { group: '', version: '', kind: kind.kind };
            return {
              resource: kind.plural,
              responseKind,
              scope: kind.namespaced ? 'Namespaced' : 'Cluster',
              singularResource: kind.singular,
              verbs: verbs(kind),
              ...(kind.shortNames ? { shortNames: kind.shortNames } : {}),
              ...(kind.categories ? { categories: kind.categories } : {}),
              ...(kind.statusSubresource ? { subresources: [{ subresource: 'status', responseKind, verbs: STATUS_VERBS }] } : {}),
            };
          }),
        freshness: 'Current',
      })),
    })),
  };
}

/** Whether a request's Accept header asks for aggregated discovery. */
export function wantsAggregatedDiscovery(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => {
    const parameters = part.split(';').map((p) => p.trim());
    return parameters.includes('g=apidiscovery.k8s.io') && parameters.includes('v=v2') && parameters.includes('as=APIGroupDiscoveryList');
  });
}

