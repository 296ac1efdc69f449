/**
 * Raw requests to the API simulator as a given user, for specs that pin exact answers. Headers
 * given as lists go out as one header line per value, as Kubernetes clients send repeated
 * `Impersonate-Group` headers.
 */
import http from 'node:http';
import type { KubeSim } from './kube-sim/index.js';

export interface SimAnswer {
  status: number;
  contentType: string | undefined;
  /** The parsed JSON body, or the text when it is not JSON. */
  body: any;
}

export interface SimRequestOptions {
  body?: unknown;
  /** Default `application/json` when there is a body. */
  contentType?: string;
  headers?: Record<string, string | string[]>;
}

/** `token` undefined sends no Authorization header (an anonymous request). */
export function requestAs(sim: Pick<KubeSim, 'url'>, token: string | undefined, method: string, path: string, options: SimRequestOptions = {}): Promise<SimAnswer> {
  const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string | string[]> = {
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
    ...(payload !== undefined ? { 'Content-Type': options.contentType ?? 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {}),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(path, sim.url), { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Plain-text answers (`404 page not found`, internal errors) stay text.
        }
        resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'], body });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(payload);
  });
}
