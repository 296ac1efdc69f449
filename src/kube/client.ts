import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { JsonPatchOperation, KubeObject, ObjectRef } from '../objects.js';
import { formatRef } from '../objects.js';
import { sleep } from '../sleep.js';
import type { Logger } from '../log/index.js';
import { silentLogger } from '../log/index.js';
import { loadKubeConfig, contextNamespace, type KubeConfigOptions } from './config.js';
import { Discovery, type ApiResource } from './discovery.js';
import {
  ExecPluginError,
  KubeApiError,
  NetworkError,
  NotFoundError,
  TimeoutError,
  UnauthorizedError,
  errorFromResponse,
  type RequestTarget,
} from './errors.js';
import { Limiter } from './limiter.js';
import { DEFAULT_RETRY, backoffDelay, isRetryable, type RetryPolicy } from './retry.js';

export interface KubeClientOptions {
  /** Requests in flight at once (default 16). */
  maxConcurrent?: number;
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  logger?: Logger;
  userAgent?: string;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; `list` follows continue tokens until the end. */
  limit?: number;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** Recorded in managedFields (default `ferry`). */
  fieldManager?: string;
  subresource?: 'status';
}

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  dryRun?: boolean;
  preconditionResourceVersion?: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  /** Where to start: changes after this version (from a list, or the last event seen). */
  resourceVersion: string;
  /** The server ends the watch after this long (default 300 s); the caller watches again. */
  timeoutSeconds?: number;
  signal?: AbortSignal;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

export type { JsonPatchOperation } from '../objects.js';

/** One finished request, for metrics. */
export interface RequestEvent {
  verb: string;
  method: string;
  resource: string;
  status: number | 'network';
  ms: number;
}

interface Call {
  method: string;
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  verb: string;
  resource: string;
  idempotent: boolean;
  target: Omit<RequestTarget, 'method' | 'url'>;
}

/** How long auth options (exec plugin tokens without an expiry) are reused before asking again. */
const AUTH_TTL_MS = 60_000;

/**
 * The one gateway to the Kubernetes API. Objects go in and out as raw JSON — never through the
 * generated model classes, which drop fields they do not know. Authentication (tokens, client
 * certificates, exec plugins such as `aws eks get-token`, in-cluster service accounts) comes
 * from @kubernetes/client-node's KubeConfig; requests go over one keep-alive agent, at most
 * `maxConcurrent` at a time, and idempotent calls are retried with capped, jittered backoff.
 */
export class KubeClient {
  readonly config: KubeConfig;
  readonly currentNamespace: string;
  readonly stats = { requests: 0, byVerb: {} as Record<string, number>, byCode: {} as Record<string, number> };
  onRequest?: (event: RequestEvent) => void;

  private readonly server: URL;
  private readonly discovery: Discovery;
  private readonly limiter: Limiter;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly userAgent: string;
  private agent: http.Agent | undefined;
  private auth: { headers: Record<string, string>; expires: number } | undefined;

  static fromConfig(options: KubeConfigOptions & KubeClientOptions = {}): KubeClient {
    return new KubeClient(loadKubeConfig(options), options);
  }

  constructor(config: KubeConfig, options: KubeClientOptions = {}) {
    this.config = config;
    const cluster = config.getCurrentCluster();
    if (!cluster) throw new KubeApiError('KUBE_CONFIG', 'the kubeconfig has no current cluster', {});
    this.server = new URL(cluster.server);
    this.currentNamespace = contextNamespace(config);
    this.limiter = new Limiter(options.maxConcurrent ?? 16);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.logger = options.logger ?? silentLogger();
    this.userAgent = options.userAgent ?? 'ferry';
    this.discovery = new Discovery((path) =>
      this.call({ method: 'GET', path, verb: 'discovery', resource: 'discovery', idempotent: true, target: { what: `discovery ${path}` } }) as Promise<{
        resources?: [];
      }>,
    );
  }

  /** The highest number of requests that were in flight at once. */
  get peakConcurrency(): number {
    return this.limiter.peak;
  }

  resourceFor(apiVersion: string, kind: string): Promise<ApiResource> {
    return this.discovery.resourceFor(apiVersion, kind);
  }

  async isNamespaced(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.resourceFor(apiVersion, kind)).namespaced;
  }

  invalidateDiscovery(): void {
    this.discovery.invalidate();
  }

  async serverVersion(): Promise<{ major: string; minor: string; gitVersion: string }> {
    return (await this.call({ method: 'GET', path: '/version', verb: 'discovery', resource: 'version', idempotent: true, target: { what: 'server version' } })) as {
      major: string;
      minor: string;
      gitVersion: string;
    };
  }

  async get(ref: ObjectRef): Promise<KubeObject> {
    const resource = await this.resourceFor(ref.apiVersion, ref.kind);
    return this.withKind(
      (await this.call({ method: 'GET', path: this.objectPath(resource, ref), verb: 'get', resource: resource.name, idempotent: true, target: { ref } })) as KubeObject,
      resource,
    );
  }

  async getOrNull(ref: ObjectRef): Promise<KubeObject | null> {
    try {
      return await this.get(ref);
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }

  async getStatus(ref: ObjectRef): Promise<KubeObject> {
    const resource = await this.resourceFor(ref.apiVersion, ref.kind);
    return this.withKind(
      (await this.call({ method: 'GET', path: `${this.objectPath(resource, ref)}/status`, verb: 'get', resource: `${resource.name}/status`, idempotent: true, target: { ref } })) as KubeObject,
      resource,
    );
  }

  async list(apiVersion: string, kind: string, options: ListOptions = {}): Promise<KubeObject[]> {
    const items: KubeObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.listPage(apiVersion, kind, { ...options, ...(token ? { continue: token } : {}) });
      items.push(...page.items);
      token = page.continue;
    } while (token);
    return items;
  }

  async listPage(
    apiVersion: string,
    kind: string,
    options: ListOptions & { continue?: string } = {},
  ): Promise<{ items: KubeObject[]; continue?: string; resourceVersion: string }> {
    const resource = await this.resourceFor(apiVersion, kind);
    const path = this.collectionPath(resource, resource.namespaced ? options.namespace : undefined);
    const body = (await this.call({
      method: 'GET',
      path,
      query: {
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        limit: options.limit === undefined ? undefined : String(options.limit),
        continue: options.continue,
      },
      verb: 'list',
      resource: resource.name,
      idempotent: true,
      target: { what: `${kind} list${options.namespace ? ` in ${options.namespace}` : ''}` },
    })) as { items?: KubeObject[]; metadata?: { continue?: string; resourceVersion?: string } };
    // List items come without apiVersion and kind: fill them in so every object stands alone.
    const items = (body.items ?? []).map((item) => this.withKind(item, resource));
    const next = body.metadata?.continue;
    return { items, ...(next ? { continue: next } : {}), resourceVersion: body.metadata?.resourceVersion ?? '' };
  }

  /**
   * Streams the changes of one kind after `options.resourceVersion` to `onEvent`, until the
   * server ends the watch (its timeout) or `signal` aborts. Resolves to the last resourceVersion
   * seen, to watch on from; rejects with ExpiredError when that version was compacted away (list
   * again), and with the usual typed errors when the watch cannot start. Watches hold a
   * connection for minutes, so they are not counted against the concurrent-request bound.
   */
  async watch(apiVersion: string, kind: string, options: WatchOptions, onEvent: (event: WatchEvent) => void): Promise<string> {
    const resource = await this.resourceFor(apiVersion, kind);
    const timeoutSeconds = options.timeoutSeconds ?? 300;
    const call: Call = {
      method: 'GET',
      path: this.collectionPath(resource, resource.namespaced ? options.namespace : undefined),
      query: { watch: 'true', resourceVersion: options.resourceVersion, timeoutSeconds: String(timeoutSeconds), allowWatchBookmarks: 'true', labelSelector: options.labelSelector },
      verb: 'watch',
      resource: resource.name,
      idempotent: true,
      target: { what: `${kind} watch${options.namespace ? ` in ${options.namespace}` : ''}` },
    };
    const { url, target, headers, transport, record } = await this.prepare(call);
    let resourceVersion = options.resourceVersion;
    return new Promise<string>((resolve, reject) => {
      const request = transport.request(url, { method: 'GET', headers, agent: this.agentFor(url) }, (response) => {
        const status = response.statusCode ?? 0;
        record(status);
        if (status < 200 || status >= 300) {
          // An expired exec or service-account token: the next watch asks for a fresh one.
          if (status === 401) this.auth = undefined;
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => reject(errorFromResponse(status, parseBody(Buffer.concat(chunks).toString('utf8'), response.headers['content-type']), target)));
          return;
        }
        let buffered = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffered += chunk;
          let newline: number;
          while ((newline = buffered.indexOf('\n')) >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (!line) continue;
            let event: { type: string; object: KubeObject };
            try {
              event = JSON.parse(line) as typeof event;
            } catch {
              reject(new KubeApiError('KUBE_BAD_WATCH', `${describeTarget(target)}: the API server sent a watch event that is not JSON`, { status, reason: 'BadWatchEvent' }));
              request.destroy();
              return;
            }
            if (event.type === 'ERROR') {
              const code = Number((event.object as { code?: number }).code ?? 500);
              reject(errorFromResponse(code, event.object, target));
              request.destroy();
              return;
            }
            resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
            if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') {
              onEvent({ type: event.type, object: this.withKind(event.object, resource) });
            }
          }
        });
        response.on('end', () => resolve(resourceVersion));
        response.on('close', () => resolve(resourceVersion));
        response.on('error', (error) => (options.signal?.aborted ? resolve(resourceVersion) : reject(this.networkError(error, target))));
      });
      // A silent connection past the server's own timeout is a dead one.
      request.setTimeout((timeoutSeconds + 30) * 1000, () => request.destroy(new TimeoutError('KUBE_TIMEOUT', `${describeTarget(target)}: the watch went silent`, { reason: 'Timeout' })));
      request.on('error', (error) => {
        if (options.signal?.aborted) return resolve(resourceVersion);
        record('network');
        reject(error instanceof KubeApiError ? error : this.networkError(error, target));
      });
      options.signal?.addEventListener('abort', () => request.destroy(), { once: true });
      request.end();
    });
  }

  async create(object: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    const resource = await this.resourceFor(object.apiVersion, object.kind);
    const ref = this.refFor(object, resource);
    return this.withKind(
      (await this.call({
        method: 'POST',
        path: this.collectionPath(resource, ref.namespace),
        query: this.writeQuery(options),
        body: ref.namespace && !object.metadata.namespace ? { ...object, metadata: { ...object.metadata, namespace: ref.namespace } } : object,
        contentType: 'application/json',
        verb: 'create',
        resource: resource.name,
        // A create is not idempotent: after a lost answer it may exist. 429/503 are retried anyway.
        idempotent: false,
        target: { ref },
      })) as KubeObject,
      resource,
    );
  }

  async replace(object: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    const resource = await this.resourceFor(object.apiVersion, object.kind);
    const ref = this.refFor(object, resource);
    return this.withKind(
      (await this.call({
        method: 'PUT',
        path: `${this.objectPath(resource, ref)}${options.subresource ? `/${options.subresource}` : ''}`,
        query: this.writeQuery(options),
        body: object,
        contentType: 'application/json',
        verb: 'update',
        resource: resource.name,
        // With a resourceVersion the server refuses a second application: safe to retry.
        idempotent: Boolean(object.metadata.resourceVersion),
        target: { ref },
      })) as KubeObject,
      resource,
    );
  }

  async jsonPatch(ref: ObjectRef, operations: JsonPatchOperation[], options: WriteOptions = {}): Promise<KubeObject> {
    return this.patch(ref, operations, 'application/json-patch+json', operations[0]?.op === 'test', options);
  }

  async mergePatch(ref: ObjectRef, patch: Record<string, unknown>, options: WriteOptions = {}): Promise<KubeObject> {
    return this.patch(ref, patch, 'application/merge-patch+json', true, options);
  }

  async delete(ref: ObjectRef, options: DeleteOptions = {}): Promise<void> {
    const resource = await this.resourceFor(ref.apiVersion, ref.kind);
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    if (options.propagationPolicy) body.propagationPolicy = options.propagationPolicy;
    if (options.preconditionResourceVersion) body.preconditions = { resourceVersion: options.preconditionResourceVersion };
    await this.call({
      method: 'DELETE',
      path: this.objectPath(resource, this.refFor({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } }, resource)),
      query: { dryRun: options.dryRun ? 'All' : undefined },
      body,
      contentType: 'application/json',
      verb: 'delete',
      resource: resource.name,
      idempotent: true,
      target: { ref },
    });
  }

  /** Closes idle keep-alive connections (tests, shutdown). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  private async patch(ref: ObjectRef, body: unknown, contentType: string, idempotent: boolean, options: WriteOptions): Promise<KubeObject> {
    const resource = await this.resourceFor(ref.apiVersion, ref.kind);
    const resolved = this.refFor({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) } }, resource);
    return this.withKind(
      (await this.call({
        method: 'PATCH',
        path: `${this.objectPath(resource, resolved)}${options.subresource ? `/${options.subresource}` : ''}`,
        query: this.writeQuery(options),
        body,
        contentType,
        verb: 'patch',
        resource: resource.name,
        idempotent,
        target: { ref: resolved },
      })) as KubeObject,
      resource,
    );
  }

  private writeQuery(options: WriteOptions): Record<string, string | undefined> {
    return { dryRun: options.dryRun ? 'All' : undefined, fieldManager: options.fieldManager ?? 'ferry' };
  }

  private refFor(object: KubeObject, resource: ApiResource): ObjectRef {
    const ref: ObjectRef = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name };
    if (resource.namespaced) ref.namespace = object.metadata.namespace || this.currentNamespace;
    return ref;
  }

  private collectionPath(resource: ApiResource, namespace: string | undefined): string {
    const root = resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
    return namespace ? `${root}/namespaces/${encodeURIComponent(namespace)}/${resource.name}` : `${root}/${resource.name}`;
  }

  private objectPath(resource: ApiResource, ref: ObjectRef): string {
    const namespace = resource.namespaced ? ref.namespace || this.currentNamespace : undefined;
    return `${this.collectionPath(resource, namespace)}/${encodeURIComponent(ref.name)}`;
  }

  private withKind(object: KubeObject, resource: ApiResource): KubeObject {
    if (object && typeof object === 'object' && (!object.kind || !object.apiVersion)) {
      return { ...object, apiVersion: resource.apiVersion, kind: resource.kind };
    }
    return object;
  }

  /** One logical call: the request with retries for what may be retried. */
  private async call(call: Call): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.limiter.run(() => this.send(call));
      } catch (error) {
        if (error instanceof UnauthorizedError && this.auth && attempt === 1) {
          // A cached exec/service-account token may have expired: ask for a fresh one once.
          this.auth = undefined;
          continue;
        }
        if (attempt > this.retry.maxRetries || !isRetryable(error, call.idempotent)) throw error;
        const delay = backoffDelay(attempt, this.retry, error instanceof KubeApiError ? error.retryAfterSeconds : undefined);
        this.logger.debug({ verb: call.verb, resource: call.resource, attempt, delayMs: delay, err: (error as Error).message }, 'retrying Kubernetes API request');
        await sleep(delay);
      }
    }
  }

  /** The URL, headers and request counter of one call. */
  private async prepare(call: Call) {
    const url = new URL(this.server.toString().replace(/\/$/, '') + call.path);
    for (const [key, value] of Object.entries(call.query ?? {})) if (value !== undefined && value !== '') url.searchParams.set(key, value);
    const target: RequestTarget = { method: call.method, url: url.toString(), ...call.target };
    const headers: Record<string, string> = { ...(await this.authHeaders()), Accept: 'application/json', 'User-Agent': this.userAgent };
    const started = Date.now();
    const transport = url.protocol === 'https:' ? https : http;
    const record = (status: number | 'network') => {
      this.stats.requests++;
      this.stats.byVerb[call.verb] = (this.stats.byVerb[call.verb] ?? 0) + 1;
      this.stats.byCode[String(status)] = (this.stats.byCode[String(status)] ?? 0) + 1;
      this.onRequest?.({ verb: call.verb, method: call.method, resource: call.resource, status, ms: Date.now() - started });
    };
    return { url, target, headers, transport, record };
  }

  private async send(call: Call): Promise<unknown> {
    const { url, target, headers, transport, record } = await this.prepare(call);
    const payload = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body));
    if (payload) {
      headers['Content-Type'] = call.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const request = transport.request(url, { method: call.method, headers, agent: this.agentFor(url) }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => reject(this.networkError(error, target)));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          record(status);
          const body = parseBody(Buffer.concat(chunks).toString('utf8'), response.headers['content-type']);
          if (status >= 200 && status < 300) resolve(body);
          else reject(errorFromResponse(status, body, target, response.headers['retry-after'] as string | undefined));
        });
      });
      request.setTimeout(this.timeoutMs, () => {
        request.destroy(new TimeoutError('KUBE_TIMEOUT', `${describeTarget(target)}: no answer from the Kubernetes API at ${this.server.origin} within ${this.timeoutMs / 1000}s`, { reason: 'Timeout' }));
      });
      request.on('error', (error) => {
        record('network');
        reject(error instanceof KubeApiError ? error : this.networkError(error, target));
      });
      request.end(payload);
    });
  }

  private networkError(error: Error & { code?: string }, target: RequestTarget): NetworkError {
    const code = error.code ?? error.message;
    return new NetworkError(
      'KUBE_NETWORK',
      `${describeTarget(target)}: cannot reach the Kubernetes API at ${this.server.origin}: ${code}`,
      { reason: code === 'ECONNREFUSED' ? 'ConnectionRefused' : 'NetworkError', cause: error },
    );
  }

  /** Auth headers and TLS material from the kubeconfig, reused for a while (exec plugins are slow). */
  private async authHeaders(): Promise<Record<string, string>> {
    if (this.auth && this.auth.expires > Date.now()) return { ...this.auth.headers };
    const options: https.RequestOptions = { headers: {} };
    try {
      await this.config.applyToHTTPSOptions(options);
    } catch (error) {
      const user = this.config.getCurrentUser();
      if (user?.exec) {
        const command = [user.exec.command, ...((user.exec.args as string[] | undefined) ?? [])].join(' ');
        const detail = (error instanceof Error ? error.message : String(error)).trim().split('\n')[0] || 'it exited with an error';
        throw new ExecPluginError('KUBE_EXEC_PLUGIN', `the kubeconfig exec credential plugin "${command}" failed: ${detail}`, { cause: error });
      }
      throw new ExecPluginError('KUBE_AUTH', `cannot prepare credentials from the kubeconfig: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.headers ?? {})) {
      if (typeof value === 'string') headers[key] = value;
      else if (Array.isArray(value)) headers[key] = value.join(', ');
      else if (typeof value === 'number') headers[key] = String(value);
    }
    if (options.auth) headers.Authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    if (!this.agent) this.agent = this.createAgent(options);
    this.auth = { headers, expires: Date.now() + AUTH_TTL_MS };
    return { ...headers };
  }

  private agentFor(url: URL): http.Agent {
    return this.agent ?? (url.protocol === 'https:' ? https.globalAgent : http.globalAgent);
  }

  private createAgent(options: https.RequestOptions): http.Agent {
    const common = { keepAlive: true, maxSockets: 64, keepAliveMsecs: 30_000 };
    if (this.server.protocol !== 'https:') return new http.Agent(common);
    return new https.Agent({
      ...common,
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.cert ? { cert: options.cert } : {}),
      ...(options.key ? { key: options.key } : {}),
      ...(options.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
      ...(options.servername ? { servername: options.servername } : {}),
    });
  }
}

function describeTarget(target: RequestTarget): string {
  return target.ref ? formatRef(target.ref) : target.what ?? `${target.method} ${new URL(target.url).pathname}`;
}

/** A response body: parsed JSON when the server says it is JSON, else the text. */
function parseBody(text: string, contentType: string | undefined): unknown {
  if (!(contentType ?? '').includes('json') || !text) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
