/**
 * A real HTTP receiver standing in for Slack, Discord, Teams, Google Chat or any webhook: it
 * records every request (headers and raw body) and can be told to answer the next requests with
 * 429 (and Retry-After), 500, or to hang (a timeout).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: unknown;
}

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Answer the next `count` requests with `status` (429 adds Retry-After), or hang when status is 0. */
  failNext(count: number, status: number, retryAfterSeconds?: number): void;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const script: Array<{ status: number; retryAfter?: number }> = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const step = script.shift();
      if (step?.status === 0) return; // hang: the client's timeout fires
      if (step) {
        response.writeHead(step.status, step.retryAfter !== undefined ? { 'Retry-After': String(step.retryAfter) } : {});
        response.end('scripted failure');
        return;
      }
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      requests.push({ path: request.url ?? '/', headers: request.headers, body, json });
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    failNext(count, status, retryAfterSeconds) {
      for (let i = 0; i < count; i++) script.push({ status, ...(retryAfterSeconds !== undefined ? { retryAfter: retryAfterSeconds } : {}) });
    },
    async waitFor(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} requests, got ${requests.length}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return requests;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
