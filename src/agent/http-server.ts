import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/index.js';
import { NotFoundError, type KubeClient } from '../kube/index.js';
import type { Agent } from './agent.js';
import { GITSYNC_API_VERSION, WEBHOOK_SECRET_ANNOTATION } from '../well-known.js';
import { verifyWebhook } from './webhook.js';

export { WEBHOOK_SECRET_ANNOTATION } from '../well-known.js';
const MAX_BODY = 1024 * 1024;

export interface AgentHttpServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The agent's HTTP port: `/healthz` (the process lives), `/readyz` (it can see the API server),
 * `/metrics` (Prometheus) and `POST /hooks/<namespace>/<name>` (push webhooks from GitHub,
 * GitLab and Gitea, verified against the GitSync's webhook Secret; anything invalid is a 401
 * and changes nothing).
 */
export async function startHttpServer(options: { agent: Agent; client: KubeClient; port: number; host?: string; logger: Logger; isLeader?: () => boolean }): Promise<AgentHttpServer> {
  const { agent, client, logger } = options;
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://agent');
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      response.writeHead(status, { 'Content-Type': type });
      response.end(body);
    };
    if (request.method === 'GET' && url.pathname === '/healthz') return reply(200, 'ok\n');
    if (request.method === 'GET' && url.pathname === '/readyz') {
      // A standby replica is ready too: it only waits for the lease.
      const ready = agent.ready || options.isLeader?.() === false;
      return reply(ready ? 200 : 503, ready ? 'ready\n' : 'not ready: the API server has not been reachable recently\n');
    }
    if (request.method === 'GET' && url.pathname === '/metrics') {
      void agent.metrics.registry.metrics().then((text) => reply(200, text, agent.metrics.registry.contentType));
      return;
    }
    const hook = /^\/hooks\/([a-z0-9-]+)\/([a-z0-9.-]+)$/.exec(url.pathname);
    if (hook && request.method === 'POST') {
      const chunks: Buffer[] = [];
      let size = 0;
      request.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) {
          reply(413, 'payload too large\n');
          request.destroy();
          return;
        }
        chunks.push(chunk);
      });
      request.on('end', () => {
        if (size > MAX_BODY) return;
        void handleHook(hook[1] as string, hook[2] as string, request.headers, Buffer.concat(chunks)).then(([status, body]) => reply(status, body));
      });
      return;
    }
    reply(404, 'not found\n');
  });

  async function handleHook(namespace: string, name: string, headers: http.IncomingHttpHeaders, body: Buffer): Promise<[number, string]> {
    try {
      const gitsync = await client.getOrNull({ apiVersion: GITSYNC_API_VERSION, kind: 'GitSync', namespace, name });
      if (!gitsync) return [404, `GitSync ${namespace}/${name} not found\n`];
      const secretName = gitsync.metadata.annotations?.[WEBHOOK_SECRET_ANNOTATION];
      if (!secretName) return [401, `GitSync ${namespace}/${name} accepts no webhooks (no ${WEBHOOK_SECRET_ANNOTATION} annotation)\n`];
      const secret = await client.getOrNull({ apiVersion: 'v1', kind: 'Secret', namespace, name: secretName });
      const encoded = (secret?.data as Record<string, string> | undefined)?.token;
      if (!encoded) return [401, 'webhook secret not found\n'];
      const verdict = verifyWebhook(headers, body, Buffer.from(encoded, 'base64').toString('utf8'));
      if (!verdict.valid) {
        logger.warn({ gitsync: `${namespace}/${name}`, reason: verdict.reason }, 'rejected webhook');
        return [401, 'invalid signature\n'];
      }
      agent.trigger(namespace, name);
      logger.info({ gitsync: `${namespace}/${name}`, provider: verdict.provider }, 'webhook: sync triggered');
      return [202, 'sync triggered\n'];
    } catch (error) {
      if (error instanceof NotFoundError) return [404, 'not found\n'];
      logger.error({ err: error instanceof Error ? error.message : String(error) }, 'webhook failed');
      return [500, 'internal error\n'];
    }
  }

  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '0.0.0.0', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
