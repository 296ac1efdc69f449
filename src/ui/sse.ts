/**
 * Server-sent events: how the live model reaches the page. One `event:` name and one JSON line
 * per frame; a comment every few seconds keeps proxies and the browser from closing an idle stream.
 */
import type { ServerResponse } from 'node:http';

const HEARTBEAT_MS = 15_000;

export interface EventStream {
  send(event: string, data: unknown): void;
  /** Called once the browser has gone away. */
  onClose(listener: () => void): void;
}

export function openEventStream(response: ServerResponse, headers: Record<string, string>): EventStream {
  response.writeHead(200, { ...headers, 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
  // Tells the browser how soon to reconnect after a restart of `ferry ui`.
  response.write('retry: 2000\n\n');
  const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const closers: Array<() => void> = [];
  response.on('close', () => {
    clearInterval(heartbeat);
    for (const close of closers) close();
  });
  return {
    send(event, data) {
      if (response.writableEnded || response.destroyed) return;
      // JSON.stringify never emits a raw newline, so one data: line holds the frame.
      response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    onClose(listener) {
      closers.push(listener);
    },
  };
}
