/**
 * A replay of a real kube-apiserver: a real HTTP server on 127.0.0.1 that answers each request
 * with the recorded answer of a fixture (test/fixtures/kube-apiserver-*), byte for byte in body,
 * status, content type and `Warning` header. It records what the client sent, so specs can check
 * the wire protocol (query parameters, Accept, impersonation headers) against what the real
 * server was asked. A request no exchange matches gets the real server's 404.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One recorded request and answer, in the fixtures' format. */
export interface RecordedExchange {
  method: string;
  /** Path and query as recorded; every recorded query parameter must be sent, others may be added. */
  path: string;
  status: number;
  responseContentType: string | null;
  /** The `Warning` header value(s) the server sent. */
  warning?: string | string[] | null;
  body: unknown;
  /** What the client sent (kept for reuse in specs). */
  requestBody?: unknown;
  /** Only when the request's Accept header contains this (content negotiation). */
  whenAccept?: string;
  /** Only when the request carries this header with this value (`['impersonate-user', 'jane']`). */
  whenHeader?: [string, string];
  /** The answer waits for this (a server that is slow to answer this one request). */
  hold?: Promise<void>;
}

/** What the client sent. */
export interface ReplayedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** Every header line as sent (a repeated header appears once per line). */
  rawHeaders: string[];
  body: string;
  /** False when no exchange matched and the 404 was answered. */
  matched: boolean;
}

export interface ReplayServer {
  url: string;
  kubeconfigPath: string;
  requests: ReplayedRequest[];
  /** Requests whose path starts with `prefix` (all when absent). */
  requestsTo(prefix?: string): ReplayedRequest[];
  stop(): Promise<void>;
}

const FIXTURES = new URL('../fixtures/', import.meta.url);

/** A recorded exchange of a fixture set: `fixture('1.32', 'case-create-unknown-field-strict')`. */
export function fixture(version: '1.19' | '1.32', name: string): RecordedExchange {
  return JSON.parse(readFileSync(new URL(`kube-apiserver-${version}/${name}.json`, FIXTURES), 'utf8')) as RecordedExchange;
}

/** The discovery answers of a fixture set (`/api`, `/apis`, and the group versions captured). */
export function discoveryExchanges(version: '1.19' | '1.32'): RecordedExchange[] {
  return ['case-discovery-api', 'case-discovery-apis', 'case-discovery-api-v1', 'case-discovery-apps-v1', 'case-discovery-example-v1'].map((name) => fixture(version, name));
}

/**
 * Aggregated discovery of a 1.32 server: `/apis` as captured, and `/api` (not captured) in the
 * same shape, derived from the captured `/api/v1` document — the core group is the one item,
 * with an empty name. Both answer only a request that asks for aggregated discovery.
 */
export function aggregatedDiscoveryExchanges(): RecordedExchange[] {
  const whenAccept = 'as=APIGroupDiscoveryList';
  const apiV1 = fixture('1.32', 'case-discovery-api-v1').body as { resources: Array<{ name: string; singularName?: string; namespaced: boolean; kind: string; verbs: string[]; shortNames?: string[]; categories?: string[] }> };
  const top = apiV1.resources.filter((entry) => !entry.name.includes('/'));
  const resources = top.map((entry) => {
    const subresources = apiV1.resources
      .filter((sub) => sub.name.startsWith(`${entry.name}/`))
      .map((sub) => ({ subresource: sub.name.slice(entry.name.length + 1), responseKind: { group: '', version: '', kind: sub.kind }, verbs: sub.verbs }));
    return {
      resource: entry.name,
      responseKind: { group: '', version: '', kind: entry.kind },
      scope: entry.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: entry.singularName ?? '',
      verbs: entry.verbs,
      ...(entry.shortNames ? { shortNames: entry.shortNames } : {}),
      ...(entry.categories ? { categories: entry.categories } : {}),
      ...(subresources.length ? { subresources } : {}),
    };
  });
  const core: RecordedExchange = {
    method: 'GET',
    path: '/api',
    status: 200,
    responseContentType: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    body: { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items: [{ metadata: { creationTimestamp: null }, versions: [{ version: 'v1', resources, freshness: 'Current' }] }] },
    whenAccept,
  };
  return [core, { ...fixture('1.32', 'case-discovery-aggregated-apis'), whenAccept }];
}

/**
 * The captured OpenAPI v3 documents as the server serves them: the index at `/openapi/v3` and
 * each captured group version at the hashed URL the index names (`openapi-v3/apis_apps_v1.json`
 * is `apis/apps/v1`).
 */
export function openApiExchanges(version: '1.32'): RecordedExchange[] {
  const dir = new URL(`kube-apiserver-${version}/openapi-v3/`, FIXTURES);
  const index = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')) as { paths: Record<string, { serverRelativeURL: string }> };
  const exchanges: RecordedExchange[] = [{ method: 'GET', path: '/openapi/v3', status: 200, responseContentType: 'application/json', body: index }];
  for (const file of readdirSync(dir)) {
    if (file === 'index.json') continue;
    const key = file.replace(/\.json$/, '').replace(/_/g, '/');
    const url = index.paths[key]?.serverRelativeURL;
    if (url) exchanges.push({ method: 'GET', path: url, status: 200, responseContentType: 'application/json', body: readFileSync(new URL(file, dir), 'utf8') });
  }
  return exchanges;
}

const NOT_FOUND = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 };

export async function startReplayServer(exchanges: RecordedExchange[]): Promise<ReplayServer> {
  const token = randomBytes(12).toString('hex');
  const requests: ReplayedRequest[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://replay');
      const query = Object.fromEntries(url.searchParams);
      const exchange = exchanges.find((candidate) => matches(candidate, request, url));
      requests.push({ method: request.method ?? 'GET', path: url.pathname, query, headers: request.headers, rawHeaders: request.rawHeaders, body: Buffer.concat(chunks).toString('utf8'), matched: Boolean(exchange) });
      if (request.headers.authorization !== `Bearer ${token}`) {
        response.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }));
        return;
      }
      if (!exchange) {
        response.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify(NOT_FOUND));
        return;
      }
      const headers: http.OutgoingHttpHeaders = {};
      if (exchange.responseContentType) headers['Content-Type'] = exchange.responseContentType;
      if (exchange.warning) headers.Warning = exchange.warning;
      const answer = () => response.writeHead(exchange.status, headers).end(typeof exchange.body === 'string' ? exchange.body : JSON.stringify(exchange.body));
      if (exchange.hold) void exchange.hold.then(answer);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'ferry-replay-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfigPath,
    `apiVersion: v1
kind: Config
clusters:
- name: replay
  cluster:
    server: ${url}
    insecure-skip-tls-verify: true
users:
- name: replay
  user:
    token: ${token}
contexts:
- name: replay
  context:
    cluster: replay
    user: replay
    namespace: default
current-context: replay
`,
  );
  return {
    url,
    kubeconfigPath,
    requests,
    requestsTo: (prefix = '') => requests.filter((r) => r.path.startsWith(prefix)),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function matches(exchange: RecordedExchange, request: http.IncomingMessage, url: URL): boolean {
  const recorded = new URL(exchange.path, 'http://replay');
  if (exchange.method !== request.method || recorded.pathname !== url.pathname) return false;
  for (const [key, value] of recorded.searchParams) if (url.searchParams.get(key) !== value) return false;
  if (exchange.whenHeader && request.headers[exchange.whenHeader[0].toLowerCase()] !== exchange.whenHeader[1]) return false;
  return !exchange.whenAccept || (request.headers.accept ?? '').includes(exchange.whenAccept);
}
