import type { KubeConfig } from '@kubernetes/client-node';
import type { JsonPatchOperation, KubeObject, ObjectRef } from '../objects.js';
import { loadKubeConfig, contextNamespace, type KubeConfigOptions } from './config.js';
import { Connection, type ConnectionOptions, type RequestEvent } from './connection.js';
import type { VerbContext } from './context.js';
import { createObject } from './create.js';
import { Credentials } from './credentials.js';
import { deleteObject, type DeleteOptions } from './delete.js';
import type { ApiGroup, ApiResource } from './discovery.js';
import { KubeApiError } from './errors.js';
import { getObject, getObjectOrNull } from './get.js';
import { listMetadata, listObjects, listPage, type ListOptions, type ListPage, type ObjectMetadata } from './list.js';
import { jsonPatchObject, mergePatchObject } from './patch.js';
import type { OpenApiDocument } from './openapi.js';
import { serviceAccountIdentity, type Identity } from './impersonation.js';
import { ApiSession, type ServerVersion } from './session.js';
import { replaceObject } from './replace.js';
import { watchObjects, type WatchEvent, type WatchOptions } from './watch.js';
import type { WarningHandler } from './warnings.js';
import type { WriteOptions } from './write-options.js';

export type { ServerVersion } from './session.js';

/** What a view or an isolated client takes over from the client it was made from. */
export interface SharedParts {
  session?: ApiSession;
  credentials?: Credentials;
  identity?: Identity;
}

export interface KubeClientOptions extends ConnectionOptions {
  /**
   * Hears every warning the server sends that is not turned into an error (deprecated API
   * versions, `Warn`-mode unknown fields …). Default: logged at warn level through `logger`, or
   * without one written to stderr as `Warning: …`, as kubectl does. Settable later too.
   */
  onWarning?: WarningHandler;
}

/**
 * The one gateway to the Kubernetes API. Objects go in and out as raw JSON — never through the
 * generated model classes, which drop fields they do not know. Authentication (tokens, client
 * certificates, exec plugins such as `aws eks get-token`, in-cluster service accounts) comes
 * from @kubernetes/client-node's KubeConfig (credentials.ts); requests go over one keep-alive
 * agent, at most `maxConcurrent` at a time, and idempotent calls are retried with capped,
 * jittered backoff (connection.ts). Each verb lives in its own file; this class holds them together.
 */
export class KubeClient {
  readonly config: KubeConfig;
  readonly currentNamespace: string;
  /** Hears the server's warnings that are not errors (see KubeClientOptions.onWarning). */
  onWarning: WarningHandler;
  /** Who this client's calls are made as, when it is an impersonating view (`impersonate`). */
  readonly identity: Identity | undefined;

  private readonly session: ApiSession;
  private readonly credentials: Credentials;
  private readonly options: KubeClientOptions;
  private readonly context: VerbContext;
  /** The views `impersonate` made, by identity. */
  private readonly views = new Map<string, KubeClient>();

  static fromConfig(options: KubeConfigOptions & KubeClientOptions = {}): KubeClient {
    return new KubeClient(loadKubeConfig(options), options);
  }

  /** `shared` is how views and isolated clients are made (see `impersonate`, `isolated`). */
  constructor(config: KubeConfig, options: KubeClientOptions = {}, shared: SharedParts = {}) {
    this.config = config;
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new KubeApiError('KUBE_CONFIG', 'the kubeconfig has no current cluster', {});
    this.currentNamespace = contextNamespace(config);
    this.options = options;
    this.credentials = shared.credentials ?? new Credentials(config);
    this.session = shared.session ?? new ApiSession(new Connection(new URL(cluster.server), this.credentials, options));
    this.identity = shared.identity;
    const logger = options.logger;
    // Without a handler or a logger, warnings go to stderr the way kubectl prints them.
    this.onWarning =
      options.onWarning ??
      (logger
        ? (warning) => logger.warn({ subject: warning.subject, verb: warning.verb, warning: warning.text }, 'the Kubernetes API warned')
        : (warning) => void process.stderr.write(`Warning: ${warning.subject}: ${warning.text}\n`));
    this.context = {
      connection: this.session.connection,
      discovery: this.session.discovery,
      currentNamespace: this.currentNamespace,
      onWarning: (warning) => this.onWarning(warning),
      identity: this.identity,
    };
  }

  /**
   * A view of this client whose every call (reads, writes, dry runs, watches) is made as
   * `identity` through Kubernetes impersonation, so that identity's RBAC decides what it may do.
   * It shares this client's connection, limiter, credentials, discovery and OpenAPI cache
   * (discovery is read with ferry's own identity); its warnings go to this client's handler. A
   * 403 is an ImpersonatedForbiddenError naming the object, the verb and the identity.
   * Pass a service account as `{ serviceAccount: { namespace, name } }`.
   */
  impersonate(identity: Identity | { serviceAccount: { namespace: string; name: string } }): KubeClient {
    const as = 'serviceAccount' in identity ? serviceAccountIdentity(identity.serviceAccount.namespace, identity.serviceAccount.name) : identity;
    // One view per identity: what is cached per client (the apply's schema catalog) lasts from one sync to the next.
    const key = JSON.stringify([as.user, as.groups ?? []]);
    const known = this.views.get(key);
    if (known) return known;
    const view = new KubeClient(this.config, { ...this.options, onWarning: (warning) => this.onWarning(warning) }, { session: this.session, credentials: this.credentials, identity: as });
    this.views.set(key, view);
    return view;
  }

  /**
   * A client on the same kubeconfig and credentials with its own connection pool, limiter,
   * retry policy and discovery, so its calls never queue behind this client's traffic (the
   * leader-election Lease). Options not given are this client's. Close it on its own.
   */
  isolated(options: ConnectionOptions = {}): KubeClient {
    return new KubeClient(this.config, { ...this.options, onWarning: (warning) => this.onWarning(warning), ...options }, { credentials: this.credentials, ...(this.identity ? { identity: this.identity } : {}) });
  }

  /** Requests made so far, by verb and by HTTP status. */
  get stats(): Connection['stats'] {
    return this.session.connection.stats;
  }

  /** Called after every finished request (metrics). */
  get onRequest(): ((event: RequestEvent) => void) | undefined {
    return this.session.connection.onRequest;
  }

  set onRequest(hook: ((event: RequestEvent) => void) | undefined) {
    this.session.connection.onRequest = hook;
  }

  /** The highest number of requests that were in flight at once. */
  get peakConcurrency(): number {
    return this.session.connection.peakConcurrency;
  }

  /** The resource of one apiVersion and kind (URL name, scope, verbs); UnknownKindError when not served. */
  resourceFor(apiVersion: string, kind: string): Promise<ApiResource> {
    return this.session.discovery.resourceFor(apiVersion, kind);
  }

  /**
   * The resource of a group and kind at the version the server prefers (else another version
   * that serves it): how to reach an object recorded at an apiVersion the server no longer
   * serves (`policy/v1beta1` PodDisruptionBudget → `policy/v1`). UnknownKindError when no
   * version of the group serves the kind.
   */
  resourceForGroupKind(group: string, kind: string): Promise<ApiResource> {
    return this.session.discovery.resourceForGroupKind(group, kind);
  }

  /** Every resource the server serves, each group version listed (aggregated discovery: two requests). */
  listResources(): Promise<ApiResource[]> {
    return this.session.discovery.resources();
  }

  /** Every API group the server serves (`''` is the core group), each with its preferred version. */
  apiGroups(): Promise<ApiGroup[]> {
    return this.session.discovery.groups();
  }

  async isNamespaced(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.resourceFor(apiVersion, kind)).namespaced;
  }

  /** Forgets what discovery, OpenAPI and the version said (after CRDs changed): the next lookups ask again. */
  invalidateDiscovery(): void {
    this.session.invalidate();
  }

  /**
   * The server's OpenAPI v3 document of one group version (`v1`, `apps/v1`, a CRD's
   * `example.com/v1`) as raw JSON, cached until `invalidateDiscovery`; `undefined` when the server
   * serves no OpenAPI v3 or does not describe that group version, so callers can fall back.
   */
  openApiV3(groupVersion: string): Promise<OpenApiDocument | undefined> {
    return this.session.openApi.document(groupVersion);
  }

  /** The server's `/version` (`gitVersion: v1.32.13`; managed clusters add suffixes such as `v1.32.3-eks-…`), cached with discovery. */
  serverVersion(): Promise<ServerVersion> {
    return this.session.serverVersion();
  }

  get(ref: ObjectRef): Promise<KubeObject> {
    return getObject(this.context, ref);
  }

  getOrNull(ref: ObjectRef): Promise<KubeObject | null> {
    return getObjectOrNull(this.context, ref);
  }

  getStatus(ref: ObjectRef): Promise<KubeObject> {
    return getObject(this.context, ref, 'status');
  }

  list(apiVersion: string, kind: string, options: ListOptions = {}): Promise<KubeObject[]> {
    return listObjects(this.context, apiVersion, kind, options);
  }

  listPage(apiVersion: string, kind: string, options: ListOptions & { continue?: string; metadataOnly?: boolean } = {}): Promise<ListPage> {
    return listPage(this.context, apiVersion, kind, options);
  }

  /**
   * The metadata of every object of one kind, without their bodies (PartialObjectMetadataList):
   * Secrets' names, labels and annotations without their data. Servers that cannot send metadata
   * only get the full list, trimmed to the same answer.
   */
  listMetadata(apiVersion: string, kind: string, options: ListOptions = {}): Promise<ObjectMetadata[]> {
    return listMetadata(this.context, apiVersion, kind, options);
  }

  /** See watch.ts: streams changes after `options.resourceVersion`, resolves to the last version seen. */
  watch(apiVersion: string, kind: string, options: WatchOptions, onEvent: (event: WatchEvent) => void): Promise<string> {
    return watchObjects(this.context, apiVersion, kind, options, onEvent);
  }

  create(object: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    return createObject(this.context, object, options);
  }

  replace(object: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    return replaceObject(this.context, object, options);
  }

  jsonPatch(ref: ObjectRef, operations: JsonPatchOperation[], options: WriteOptions = {}): Promise<KubeObject> {
    return jsonPatchObject(this.context, ref, operations, options);
  }

  mergePatch(ref: ObjectRef, patch: Record<string, unknown>, options: WriteOptions = {}): Promise<KubeObject> {
    return mergePatchObject(this.context, ref, patch, options);
  }

  delete(ref: ObjectRef, options: DeleteOptions = {}): Promise<void> {
    return deleteObject(this.context, ref, options);
  }

  /**
   * Closes idle keep-alive connections (tests, shutdown). A view made by `impersonate` shares
   * its parent's connection: closing either closes it for both.
   */
  close(): void {
    this.session.connection.close();
  }
}
