import { hasCode } from '../errors.js';
import { groupOf, isJsonObject, type KubeObject } from '../objects.js';
import { isClusterScopedKind } from '../scope.js';

/** Whether objects of a kind live in a namespace. */
export type Scope = 'Namespaced' | 'Cluster';

/**
 * What render needs to know about the cluster it renders for, handed in as plain input (render
 * itself never talks to Kubernetes): the sync builds it from discovery; without a cluster
 * (`ferry plan`) there are none and src/scope.ts is the fallback.
 */
export interface ClusterFacts {
  /** The scope the cluster serves a kind with; undefined when it does not serve the kind (yet). */
  scopeOf(apiVersion: string, kind: string): Promise<Scope | undefined> | Scope | undefined;
  /** The server's version (`v1.32.4`), for renderers that template on it (Helm's `.Capabilities.KubeVersion`). */
  kubeVersion?: string;
  /** The group versions the server serves (`apps/v1`, `cert-manager.io/v1` …), as `helm template --api-versions` takes them. */
  apiVersions?: readonly string[];
  /**
   * The same two facts read from the cluster when a chart is rendered, and only then (a render
   * without a chart costs no request for them). `kubeVersion` and `apiVersions`, when set, win.
   */
  capabilities?(): Promise<Capabilities>;
}

/** What `.Capabilities` of a chart says: the server's version, and every `group/version` and `group/version/Kind` it serves. */
export interface Capabilities {
  kubeVersion?: string;
  apiVersions: readonly string[];
}

/** The part of a Kubernetes client that discovery answers through (src/kube's `resourceFor`). */
export interface KindDiscovery {
  resourceFor(apiVersion: string, kind: string): Promise<{ namespaced: boolean }>;
  /** For charts: the server's version (`/version`). */
  serverVersion?(): Promise<{ gitVersion?: string }>;
  /** For charts: every resource the server serves. */
  listResources?(): Promise<ReadonlyArray<{ apiVersion: string; kind: string }>>;
}

/**
 * Cluster facts from discovery, each kind asked once. A kind the server does not serve (its CRD
 * comes with this very render, or is not installed) has no scope; any other failure (the server
 * unreachable) is thrown, so a render never guesses where the cluster could have answered.
 */
export function clusterFactsFromDiscovery(discovery: KindDiscovery, extra: Omit<ClusterFacts, 'scopeOf'> = {}): ClusterFacts {
  const asked = new Map<string, Promise<Scope | undefined>>();
  let capabilities: Promise<Capabilities> | undefined;
  const { serverVersion, listResources } = discovery;
  return {
    ...(serverVersion && listResources
      ? {
          capabilities: () => {
            capabilities ??= Promise.all([serverVersion.call(discovery), listResources.call(discovery)]).then(([version, resources]) => ({
              ...(version.gitVersion ? { kubeVersion: version.gitVersion } : {}),
              // Both forms, as Argo CD passes them: charts test `Has "monitoring.coreos.com/v1"` and `Has "monitoring.coreos.com/v1/ServiceMonitor"`.
              apiVersions: [...new Set(resources.flatMap((resource) => [resource.apiVersion, `${resource.apiVersion}/${resource.kind}`]))].sort(),
            }));
            return capabilities;
          },
        }
      : {}),
    ...extra,
    scopeOf(apiVersion, kind) {
      const key = `${apiVersion}/${kind}`;
      let answer = asked.get(key);
      if (!answer) {
        answer = discovery.resourceFor(apiVersion, kind).then(
          (resource): Scope => (resource.namespaced ? 'Namespaced' : 'Cluster'),
          (error: unknown) => {
            if (hasCode(error, 'KUBE_UNKNOWN_KIND')) return undefined;
            throw error;
          },
        );
        asked.set(key, answer);
      }
      return answer;
    },
  };
}

/** One answer the cluster gave for a render: a cached render is reused only while they all hold. */
export interface ScopeAnswer {
  apiVersion: string;
  kind: string;
  scope: Scope | undefined;
}

/** Each kind's scope, by `group/Kind`, and the cluster's answers it was decided from. */
export interface ResolvedScopes {
  scopes: Map<string, Scope>;
  answers: ScopeAnswer[];
}

/**
 * Decides every kind's scope before any object key is computed: a CustomResourceDefinition in the
 * same render says it first (it is what the cluster will serve), then the cluster, then the
 * built-in table; a kind none of them knows is namespaced, as custom resources mostly are.
 */
export async function resolveScopes(objects: readonly KubeObject[], cluster?: ClusterFacts): Promise<ResolvedScopes> {
  const scopes = new Map<string, Scope>();
  for (const object of objects) {
    if (object.kind !== 'CustomResourceDefinition' || groupOf(object.apiVersion) !== 'apiextensions.k8s.io' || !isJsonObject(object.spec)) continue;
    const spec = object.spec as { group?: unknown; names?: { kind?: unknown }; scope?: unknown };
    if (typeof spec.group === 'string' && typeof spec.names?.kind === 'string' && (spec.scope === 'Cluster' || spec.scope === 'Namespaced')) {
      scopes.set(`${spec.group}/${spec.names.kind}`, spec.scope);
    }
  }
  const answers: ScopeAnswer[] = [];
  const kinds = new Map(objects.map((object) => [`${groupOf(object.apiVersion)}/${object.kind}`, object]));
  for (const [key, { apiVersion, kind }] of kinds) {
    if (scopes.has(key)) continue;
    const scope = cluster ? await cluster.scopeOf(apiVersion, kind) : undefined;
    if (cluster) answers.push({ apiVersion, kind, scope });
    scopes.set(key, scope ?? (isClusterScopedKind(apiVersion, kind) ? 'Cluster' : 'Namespaced'));
  }
  return { scopes, answers };
}

/** True when every answer still holds: the cluster has not started serving a kind differently. */
export async function answersHold(answers: readonly ScopeAnswer[], cluster?: ClusterFacts): Promise<boolean> {
  if (answers.length > 0 && !cluster) return false;
  for (const answer of answers) {
    if ((await cluster?.scopeOf(answer.apiVersion, answer.kind)) !== answer.scope) return false;
  }
  return true;
}
