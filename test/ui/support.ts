/**
 * What the UI specs share: a bed with the simulator, a Git server and a running agent, and a
 * reader of server-sent events that keeps every frame as the browser received it.
 */
import { request } from 'node:http';

export interface Frame {
  event: string;
  data: any;
}

export interface EventReader {
  frames: Frame[];
  /** Every byte received, for the secret scan. */
  raw(): string;
  /** The first frame (from the start) for which `match` holds. */
  next(match: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  close(): void;
}

export function readEvents(url: string, headers: Record<string, string> = {}): EventReader {
  const frames: Frame[] = [];
  let raw = '';
  let buffer = '';
  const waiters = new Set<() => void>();
  const req = request(url, { headers: { Accept: 'text/event-stream', ...headers } }, (response) => {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      raw += chunk;
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) frames.push({ event, data: JSON.parse(data) });
      }
      for (const wake of waiters) wake();
    });
  });
  req.on('error', () => undefined);
  req.end();
  return {
    frames,
    raw: () => raw,
    next(match, timeoutMs = 90_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = frames.find(match);
          if (!found) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching frame within ${timeoutMs} ms; frames: ${JSON.stringify(frames.map((f) => f.event))}; last: ${JSON.stringify(frames.at(-1)?.data)?.slice(0, 2000)}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    close: () => req.destroy(),
  };
}

/** A plain HTTP exchange with the UI, as a browser (or an attacker's page) would make it. */
export function exchange(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: response.headers }));
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** A POST of an action from the page itself. */
export function postAction(base: string, path: string, body: unknown = {}): Promise<{ status: number; body: string }> {
  const origin = base.replace(/\/$/, '');
  return exchange(`${origin}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: origin }, body: JSON.stringify(body) });
}
