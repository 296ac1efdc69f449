import http from 'node:http';
import https from 'node:https';
import { stripUrlCredentials } from '../../log/index.js';
import { SourceTimeoutError, SourceUnreachableError } from '../errors.js';

/** One HTTP answer, read whole (index files, manifests and chart archives are small). */
export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
}

export interface HttpOptions {
  headers?: Record<string, string>;
  /** PEM certificates to trust besides the system's (a Secret's `ca.crt`). */
  ca?: string;
  timeoutMs?: number;
  maxBytes?: number;
  signal?: AbortSignal;
}

const MAX_REDIRECTS = 5;

/**
 * A GET that follows redirects (registries hand blobs over to storage elsewhere). Credentials
 * never follow a redirect to another host, and never appear in an error message.
 */
export async function httpGet(url: string, options: HttpOptions = {}): Promise<HttpAnswer> {
  let current = new URL(url);
  let headers = { ...options.headers };
  for (let hop = 0; ; hop++) {
    const answer = await getOnce(current, headers, options);
    const location = answer.headers.location;
    if (answer.status < 300 || answer.status >= 400 || !location || hop >= MAX_REDIRECTS) return answer;
    const next = new URL(location, current);
    if (next.host !== current.host) headers = Object.fromEntries(Object.entries(headers).filter(([key]) => key.toLowerCase() !== 'authorization'));
    current = next;
  }
}

function getOnce(url: URL, headers: Record<string, string>, options: HttpOptions): Promise<HttpAnswer> {
  const shown = stripUrlCredentials(url.toString());
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.get(url, { headers: { 'User-Agent': 'ferry', ...headers }, ...(options.ca ? { ca: options.ca } : {}), ...(options.signal ? { signal: options.signal } : {}) }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          request.destroy(new SourceUnreachableError('SOURCE_TOO_LARGE', `${shown}: the answer is larger than ${maxBytes} bytes; refused`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), url: url.toString() }));
      response.on('error', reject);
    });
    request.setTimeout(timeoutMs, () => request.destroy(new SourceTimeoutError('SOURCE_TIMEOUT', `${shown}: no answer within ${timeoutMs / 1000}s`)));
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof SourceUnreachableError || error instanceof SourceTimeoutError) return reject(error);
      const reason = error.code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || error.code === 'SELF_SIGNED_CERT_IN_CHAIN' || error.code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'
        ? `its TLS certificate is not trusted (${error.code}; put the CA in the Secret's ca.crt)`
        : error.message;
      reject(new SourceUnreachableError('SOURCE_UNREACHABLE', `${shown}: ${reason}`, { cause: error }));
    });
  });
}

/** `Basic …` for a username and password. */
export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
