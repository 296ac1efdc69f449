/**
 * The HTTP server of `ferry ui`: on 127.0.0.1 only, talking to the cluster with the user's own
 * client. It refuses requests that name another host (a DNS-rebinding page), actions from other
 * origins or without a JSON body (a cross-site form), and sends a strict content security policy,
 * so the only way in is the user's own browser tab.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatRef } from '../objects.js';
import type { KubeClient } from '../kube/index.js';
import { HistoryStore } from '../history/index.js';
import type { GitSource } from '../source/index.js';
import { diffGitSync, maskedDiffText } from '../gitsync/index.js';
import { readInventory } from '../sync/index.js';
import { loadAssets } from './assets.js';
import { matchRoute } from './routes.js';
import { openEventStream } from './sse.js';
import { CollectionPool } from './live-collection.js';
import { streamOverview } from './live-overview.js';
import { streamGitSyncPage, type PageSources } from './live-page.js';
import { runAction } from './actions.js';

/** The only address `ferry ui` listens on: nothing is exposed to the network. */
export const UI_HOST = '127.0.0.1';
export const DEFAULT_UI_PORT = 8090;
const MAX_BODY = 4096;

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

export interface UiServerOptions {
  client: KubeClient;
  /** The namespace the overview lists; undefined lists all namespaces (`-A`). */
  namespace?: string;
  /** 0 picks a free port (specs, the bench). */
  port: number;
  /** Git access for the drift diffs, as `ferry diff` uses it. */
  git: GitSource;
  /** Overrides for specs: where the page's history and diffs come from. */
  sources?: Partial<PageSources>;
}

export interface RunningUi {
  url: string;
  port: number;
  /** The open watches, for specs. */
  pool: CollectionPool;
  close(): Promise<void>;
}

export async function startUiServer(options: UiServerOptions): Promise<RunningUi> {
  const { client } = options;
  const assets = loadAssets();
  const pool = new CollectionPool(client);
  const sources: PageSources = {
    history: options.sources?.history ?? ((namespace, name) => new HistoryStore(client, namespace, name).list()),
    inventory: options.sources?.inventory ?? ((namespace, name, status) => readInventory(client, namespace, name, status)),
    diffs:
      options.sources?.diffs ??
      (async (gitsync) => {
        const { diffs, secretValues } = await diffGitSync(client, gitsync, { git: options.git });
        return new Map(diffs.filter((diff) => diff.action !== 'unchanged').map((diff) => [formatRef(diff.ref), maskedDiffText(diff, secretValues)]));
      }),
  };
  let port = options.port;
  const origins = () => [`http://${UI_HOST}:${port}`, `http://localhost:${port}`];

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const host = request.headers.host ?? '';
    if (!origins().some((origin) => origin === `http://${host}`)) return plain(response, 421, `ferry ui answers only as ${UI_HOST}:${port}\n`);
    const url = new URL(request.url ?? '/', `http://${host}`);
    const route = matchRoute(request.method ?? 'GET', url.pathname);
    switch (route.type) {
      case 'page':
        return send(response, 200, assets.get('index.html')!);
      case 'asset':
        return send(response, 200, assets.get(route.name)!);
      case 'overview-events': {
        const stream = openEventStream(response, SECURITY_HEADERS);
        return streamOverview(pool, options.namespace, stream);
      }
      case 'gitsync-events': {
        const stream = openEventStream(response, SECURITY_HEADERS);
        return streamGitSyncPage(pool, sources, route.namespace, route.name, stream);
      }
      case 'action': {
        const origin = request.headers.origin;
        if (!origin || !origins().includes(origin)) return json(response, 403, { ok: false, message: 'actions are taken only from the ferry ui page itself' });
        if (!/^application\/json\b/.test(request.headers['content-type'] ?? '')) return json(response, 415, { ok: false, message: 'actions take a JSON body' });
        const body = await readJson(request);
        if (body === undefined) return json(response, 400, { ok: false, message: 'the body is not a JSON object' });
        const result = await runAction(client, route.action, route.namespace, route.name, body);
        return json(response, result.status, { ok: result.ok, message: result.message });
      }
      case 'method-not-allowed':
        response.setHeader('Allow', route.allow);
        return plain(response, 405, 'method not allowed\n');
      case 'not-found':
        return plain(response, 404, 'not found\n');
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) plain(response, 500, `${error instanceof Error ? error.message : String(error)}\n`);
      else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, UI_HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${UI_HOST}:${port}/`,
    port,
    pool,
    async close() {
      pool.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(response: ServerResponse, status: number, asset: { body: Buffer; type: string }): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': asset.type, 'Content-Length': asset.body.length, 'Cache-Control': 'no-cache' });
  response.end(asset.body);
}

function json(response: ServerResponse, status: number, data: unknown): void {
  const body = Buffer.from(JSON.stringify(data));
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json', 'Content-Length': body.length, 'Cache-Control': 'no-store' });
  response.end(body);
}

function plain(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text);
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
