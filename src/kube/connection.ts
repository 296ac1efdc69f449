import http from 'node:http';
import https from 'node:https';
import { sleep } from '../sleep.js';
import type { Logger } from '../log/index.js';
import { silentLogger } from '../log/index.js';
import type { Credentials, TlsMaterial } from './credentials.js';
import { KubeApiError, NetworkError, TimeoutError, UnauthorizedError, describeTarget, errorFromResponse, type RequestTarget } from './errors.js';
import { Limiter } from './limiter.js';
import { DEFAULT_RETRY, backoffDelay, isRetryable, type RetryPolicy } from './retry.js';

/** How requests reach the API server. */
export interface ConnectionOptions {
  /** Requests in flight at once (default 16). */
  maxConcurrent?: number;
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  logger?: Logger;
  userAgent?: string;
}

/** One finished request, for metrics. */
export interface RequestEvent {
  verb: string;
  method: string;
  resource: string;
  status: number | 'network';
  ms: number;
}

/** One logical request to the API server, before URL building, auth and retries. */
export interface ApiCall {
  method: string;
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  /** Overrides `Accept: application/json` (discovery and metadata-only lists negotiate). */
  accept?: string;
  /** Added to this request only (impersonation); an array sends the header once per value. */
  headers?: Record<string, string | string[]>;
  /** For metrics and request counts: `get`, `list`, `create`, `discovery` … */
  verb: string;
  resource: string;
  /** Whether the call may be repeated after an answer was lost (see retry.ts). */
  idempotent: boolean;
  target: Omit<RequestTarget, 'method' | 'url'>;
}

/** A successful answer: the parsed body and what the headers said beyond it. */
export interface ApiResponse {
  status: number;
  body: unknown;
  contentType: string;
  /** The raw values of every `Warning` header, in order. */
  warnings: string[];
}

/** A request made ready to send: what `send` and streaming calls (watch) share. */
export interface PreparedRequest {
  url: URL;
  target: RequestTarget;
  headers: Record<string, string | string[]>;
  transport: typeof http | typeof https;
  agent: http.Agent;
  /** Counts the finished request in the stats and reports it to `onRequest`. */
  record(status: number | 'network'): void;
}

/**
 * The transport core: one keep-alive agent (TLS from the kubeconfig), auth headers on every
 * request, at most `maxConcurrent` requests in flight, and retries with capped, jittered backoff
 * for what may be retried. Verbs build ApiCalls; this turns them into HTTP.
 */
export class Connection {
  readonly stats = { requests: 0, byVerb: {} as Record<string, number>, byCode: {} as Record<string, number> };
  onRequest?: (event: RequestEvent) => void;

  private readonly limiter: Limiter;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly userAgent: string;
  private agent: http.Agent | undefined;

  constructor(
    readonly server: URL,
    readonly credentials: Credentials,
    options: ConnectionOptions = {},
  ) {
    this.limiter = new Limiter(options.maxConcurrent ?? 16);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.logger = options.logger ?? silentLogger();
    this.userAgent = options.userAgent ?? 'ferry';
  }

  /** The highest number of requests that were in flight at once. */
  get peakConcurrency(): number {
    return this.limiter.peak;
  }

  /** One logical call: the request with retries for what may be retried. */
  async call(call: ApiCall): Promise<ApiResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.limiter.run(() => this.send(call));
      } catch (error) {
        if (error instanceof UnauthorizedError && this.credentials.isCached && attempt === 1) {
          // A cached exec/service-account token may have expired: ask for a fresh one once.
          this.credentials.invalidate();
          continue;
        }
        if (attempt > this.retry.maxRetries || !isRetryable(error, call.idempotent)) throw error;
        const delay = backoffDelay(attempt, this.retry, error instanceof KubeApiError ? error.retryAfterSeconds : undefined);
        this.logger.debug({ verb: call.verb, resource: call.resource, attempt, delayMs: delay, err: (error as Error).message }, 'retrying Kubernetes API request');
        await sleep(delay);
      }
    }
  }

  /** The URL, headers, agent and request counter of one call. */
  async prepare(call: ApiCall): Promise<PreparedRequest> {
    const url = new URL(this.server.toString().replace(/\/$/, '') + call.path);
    for (const [key, value] of Object.entries(call.query ?? {})) if (value !== undefined && value !== '') url.searchParams.set(key, value);
    const target: RequestTarget = { method: call.method, url: url.toString(), ...call.target };
    const credential = await this.credentials.current();
    const headers: Record<string, string | string[]> = { ...credential.headers, ...call.headers, Accept: call.accept ?? 'application/json', 'User-Agent': this.userAgent };
    const started = Date.now();
    const record = (status: number | 'network') => {
      this.stats.requests++;
      this.stats.byVerb[call.verb] = (this.stats.byVerb[call.verb] ?? 0) + 1;
      this.stats.byCode[String(status)] = (this.stats.byCode[String(status)] ?? 0) + 1;
      this.onRequest?.({ verb: call.verb, method: call.method, resource: call.resource, status, ms: Date.now() - started });
    };
    return { url, target, headers, transport: url.protocol === 'https:' ? https : http, agent: this.agentFor(credential.tls), record };
  }

  /** The error for a connection that failed before an answer came. */
  networkError(error: Error & { code?: string }, target: RequestTarget): NetworkError {
    const code = error.code ?? error.message;
    return new NetworkError(
      'KUBE_NETWORK',
      `${describeTarget(target)}: cannot reach the Kubernetes API at ${this.server.origin}: ${code}`,
      { reason: code === 'ECONNREFUSED' ? 'ConnectionRefused' : 'NetworkError', cause: error },
    );
  }

  /** Closes idle keep-alive connections (tests, shutdown). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  private async send(call: ApiCall): Promise<ApiResponse> {
    const { url, target, headers, transport, agent, record } = await this.prepare(call);
    const payload = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body));
    if (payload) {
      headers['Content-Type'] = call.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const request = transport.request(url, { method: call.method, headers, agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => reject(this.networkError(error, target)));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          record(status);
          const contentType = response.headers['content-type'] ?? '';
          const body = parseBody(Buffer.concat(chunks).toString('utf8'), contentType);
          if (status >= 200 && status < 300) resolve({ status, body, contentType, warnings: response.headersDistinct.warning ?? [] });
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

  private agentFor(tls: TlsMaterial): http.Agent {
    if (!this.agent) this.agent = this.createAgent(tls);
    return this.agent;
  }

  private createAgent(tls: TlsMaterial): http.Agent {
    const common = { keepAlive: true, maxSockets: 64, keepAliveMsecs: 30_000 };
    if (this.server.protocol !== 'https:') return new http.Agent(common);
    return new https.Agent({ ...common, ...tls });
  }
}

/** A response body: parsed JSON when the server says it is JSON, else the text. */
export function parseBody(text: string, contentType: string | undefined): unknown {
  if (!(contentType ?? '').includes('json') || !text) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
