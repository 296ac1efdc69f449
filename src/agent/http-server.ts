import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/index.js';
import type { KubeClient } from '../kube/index.js';
import type { Agent } from './agent.js';
import { PushWebhooks, type PushWebhooksOptions } from './push-webhook.js';

export { WEBHOOK_SECRET_ANNOTATION } from '../well-known.js';
const MAX_BODY = 1024 * 1024;

export interface AgentHttpServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The agent's HTTP port: `/healthz` (the process lives), `/readyz` (it can see the API server),
 * `/metrics` (Prometheus) and `POST /hooks/<namespace>/<name>` (push webhooks from GitHub,
 * GitLab and Gitea, see PushWebhooks: a valid one is recorded on the GitSync, anything invalid
 * is the same 401 and changes nothing).
 */
export async function startHttpServer(options: {
  agent: Agent;
  client: KubeClient;
  port: number;
  host?: string;
  logger: Logger;
  isLeader?: () => boolean;
  webhooks?: Pick<PushWebhooksOptions, 'tokens' | 'failures'>;
}): Promise<AgentHttpServer> {
  const { agent, client, logger } = options;
  const hooks = new PushWebhooks({ client, logger, trigger: (namespace, name) => agent.trigger(namespace, name), ...options.webhooks });
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://agent');
    const reply = (status: number, body: string, headers: Record<string, string> = {}, type = 'text/plain; charset=utf-8') => {
      if (response.headersSent) return;
      response.writeHead(status, { 'Content-Type': type, ...headers });
      response.end(body);
    };
    if (request.method === 'GET' && url.pathname === '/healthz') return reply(200, 'ok\n');
    if (request.method === 'GET' && url.pathname === '/readyz') {
      // A standby replica is ready too: it only waits for the lease (and takes webhooks).
      const ready = agent.ready || options.isLeader?.() === false;
      return reply(ready ? 200 : 503, ready ? 'ready\n' : 'not ready: the API server has not been reachable recently\n');
    }
    if (request.method === 'GET' && url.pathname === '/metrics') {
      void agent.metrics.registry.metrics().then((text) => reply(200, text, {}, agent.metrics.registry.contentType));
      return;
    }
    const hook = /^\/hooks\/([a-z0-9-]+)\/([a-z0-9.-]+)$/.exec(url.pathname);
    if (hook && request.method === 'POST') {
      const address = request.socket.remoteAddress ?? 'unknown';
      const refused = hooks.refusal(address);
      if (refused) {
        request.resume();
        return reply(refused.status, refused.body, refused.headers);
      }
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
        void hooks.handle(hook[1] as string, hook[2] as string, request.headers, Buffer.concat(chunks), address).then((answer) => reply(answer.status, answer.body, answer.headers));
      });
      return;
    }
    reply(404, 'not found\n');
  });

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
