/**
 * A real Helm chart repository for tests: archives made by `helm package`, an `index.yaml` made by
 * `helm repo index`, served by a small Node server on 127.0.0.1 — over HTTP, or HTTPS with the test
 * certificate (support/tls; trust it as the CA), optionally behind basic auth. It answers
 * `If-None-Match` with 304 as static servers do, and logs every request for counting.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { helm, scratchDir } from './charts.js';

const TLS = fileURLToPath(new URL('./tls/', import.meta.url));

/** The certificate an HTTPS repository serves (self-signed for 127.0.0.1: it is its own CA). */
export const TEST_CA = readFileSync(join(TLS, 'server.crt'), 'utf8');

export interface ChartRepositoryOptions {
  auth?: { username: string; password: string };
  tls?: boolean;
  /** `relative`: index URLs relative to the index, as `helm repo index` without --url writes them. */
  urls?: 'absolute' | 'relative';
}

export interface RepositoryRequest {
  method: string;
  path: string;
  status: number;
  authorized: boolean;
}

export interface ChartRepository {
  url: string;
  /** Adds a packaged chart and rewrites the index, as a release pipeline does. */
  publish(archive: string): Promise<void>;
  /** The archive's bytes changed behind the index's back (a tampered mirror). */
  tamper(archiveName: string): void;
  requests: RepositoryRequest[];
  stop(): Promise<void>;
}

export async function startChartRepository(options: ChartRepositoryOptions = {}): Promise<ChartRepository> {
  const dir = scratchDir('ferry-chart-repo-');
  const requests: RepositoryRequest[] = [];
  const expected = options.auth ? `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}` : undefined;
  const handler: http.RequestListener = (request, response) => {
    const path = decodeURIComponent((request.url ?? '/').split('?')[0] ?? '/');
    const authorized = !expected || request.headers.authorization === expected;
    const answer = (status: number, body: Buffer | string = '', headers: Record<string, string> = {}) => {
      requests.push({ method: request.method ?? 'GET', path, status, authorized });
      response.writeHead(status, headers).end(body);
    };
    if (!authorized) return answer(401, 'unauthorized', { 'WWW-Authenticate': 'Basic realm="charts"' });
    const name = basename(path);
    if (path !== `/${name}` || !/^(index\.yaml|[\w.+-]+\.tgz)$/.test(name)) return answer(404, 'not found');
    let content: Buffer;
    try {
      content = readFileSync(join(dir, name));
    } catch {
      return answer(404, 'not found');
    }
    const etag = `"${createHash('sha1').update(content).digest('hex')}"`;
    if (request.headers['if-none-match'] === etag) return answer(304);
    answer(200, content, { 'Content-Type': name.endsWith('.yaml') ? 'text/yaml' : 'application/gzip', ETag: etag });
  };
  const server = options.tls
    ? https.createServer({ cert: readFileSync(join(TLS, 'server.crt')), key: readFileSync(join(TLS, 'server.key')) }, handler)
    : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const index = async () => {
    await helm(['repo', 'index', dir, ...(options.urls === 'relative' ? [] : ['--url', url])]);
  };
  await index();
  return {
    url,
    async publish(archive) {
      copyFileSync(archive, join(dir, basename(archive)));
      await index();
    },
    tamper(archiveName) {
      // The index keeps the digest of the archive as it was published.
      const file = join(dir, archiveName);
      const bytes = readFileSync(file);
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
      writeFileSync(file, bytes);
    },
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
