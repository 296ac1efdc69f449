import type { KubeObject, ObjectRef } from '../objects.js';
import type { FerryError } from '../errors.js';
import type { ApiResource, DeleteOptions, JsonPatchOperation, ListOptions, ObjectMetadata, WriteOptions } from '../kube/index.js';
import type { IgnoreRule } from '../diff/index.js';
import type { Plan } from './planner.js';
import type { AdoptionBounds } from './ownership.js';
import type { SchemaCatalog } from './schemas.js';
import type { ApplyEvent, ChangeEntry } from './changeset.js';
import type { LiveCache } from './read-live.js';

/** The part of the Kubernetes gateway the apply uses (src/kube's KubeClient). */
export interface ApplyClient {
  resourceFor(apiVersion: string, kind: string): Promise<ApiResource>;
  /** The kind at the version of its group the server prefers: for objects recorded at a version it no longer serves. */
  resourceForGroupKind(group: string, kind: string): Promise<ApiResource>;
  invalidateDiscovery(): void;
  get(ref: ObjectRef): Promise<KubeObject>;
  getOrNull(ref: ObjectRef): Promise<KubeObject | null>;
  list(apiVersion: string, kind: string, options?: ListOptions): Promise<KubeObject[]>;
  /** Objects' metadata only: how the schema catalog tells a changed CRD without reading its schema. */
  listMetadata(apiVersion: string, kind: string, options?: ListOptions): Promise<ObjectMetadata[]>;
  /** The server's OpenAPI v3 document of a group version; undefined when it serves none. */
  openApiV3(groupVersion: string): Promise<unknown>;
  create(object: KubeObject, options?: WriteOptions): Promise<KubeObject>;
  jsonPatch(ref: ObjectRef, operations: JsonPatchOperation[], options?: WriteOptions): Promise<KubeObject>;
  delete(ref: ObjectRef, options?: DeleteOptions): Promise<void>;
}

export interface ApplyRequest {
  /** `<namespace>.<name>` of the GitSync: the sync label every applied object gets. */
  sync: string;
  /** The rendered objects of the revision to apply. */
  desired: KubeObject[];
  /** What ferry applied last (the three-way base); empty on the first apply. */
  base: KubeObject[];
  /**
   * Where each desired object is defined, `file:line` by `objectKey(refOf(object))` (render's
   * `RenderResult.objects[].source`): every failure about an object names its file and line.
   */
  sources?: ReadonlyMap<string, string>;
  /** Stop after the server dry-run: compute and validate everything, write nothing. */
  dryRun?: boolean;
  /** Stop after the diff: no dry-run requests, no writes (drift detection, `ferry diff`). */
  diffOnly?: boolean;
  /** Refuse objects owned by another sync or not created by ferry (default true). */
  checkOwnership?: boolean;
  /** Where `ferry.dev/adopt` may reach (absent: anywhere the manifests name). */
  adoption?: AdoptionBounds;
  /** Recreate objects whose immutable fields changed (else only objects annotated `ferry.dev/force`). */
  force?: boolean;
  ignore?: IgnoreRule[];
  /**
   * Live objects already held (the agent's watch cache): objects this sync labelled are read
   * from it instead of the server; the rest is read from the server.
   */
  liveCache?: LiveCache;
  /** Where the diff's schemas are kept between applies (default: one catalog per client). */
  schemas?: SchemaCatalog;
  /** Objects of one layer written concurrently (default 8). */
  concurrency?: number;
  /** How long to wait for what a layer depends on (CRDs Established, Namespaces Active …). */
  dependencyTimeoutMs?: number;
  /** Poll interval of the dependency waits (default 1 s). */
  pollIntervalMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: ApplyEvent) => void;
}

export interface ApplyResult {
  entries: ChangeEntry[];
  /** The layered plan that was followed (empty when validation failed first). */
  plan?: Plan;
  /** The first error that stopped the apply; entries say which objects it concerns. */
  error?: FerryError;
  /**
   * True when the apply wrote to the cluster. False when it stopped before its first write
   * (validation failed, or a dry run / diff): there is nothing to roll back.
   */
  wrote: boolean;
  /**
   * Set when the apply stopped before writing because the cluster changed under it or the
   * server was briefly unavailable, not because the revision is wrong: try again on the next
   * reconcile instead of rolling back or recording the revision as failed.
   */
  retryable?: boolean;
  /**
   * For a diff-only apply: the live objects it read, by objectKey (absent: does not exist), so
   * the caller can assess health from the same read.
   */
  live?: ReadonlyMap<string, KubeObject>;
}

/** Objects of one layer written (and dry-run) concurrently unless the request says otherwise. */
export const DEFAULT_CONCURRENCY = 8;
/** How long a dependency wait or a deletion before a recreate may take unless the request says otherwise. */
export const DEFAULT_DEPENDENCY_TIMEOUT_MS = 300_000;
export const DEFAULT_POLL_INTERVAL_MS = 1000;
