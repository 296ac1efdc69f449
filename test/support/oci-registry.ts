/**
 * A real OCI registry for tests: Debian's `docker-registry` (the CNCF distribution registry) run
 * as a plain process on 127.0.0.1 with storage in a scratch directory, charts pushed into it with
 * the real `helm push`. With `auth`, clients reach it through a small Node front that speaks the
 * token handshake hosted registries use (a 401 naming a token service, which hands out a pull
 * token for a username and password), optionally over HTTPS with the test certificate; pushes go
 * to the registry itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { helm, scratchDir } from './charts.js';

const TLS = fileURLToPath(new URL('./tls/', import.meta.url));

/** The registry binary, if installed (`apt-get install docker-registry`; .ci/run does). */
export const REGISTRY_BINARY = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'docker-registry')).find((file) => existsSync(file));

/** For `describe.skipIf`: the OCI specs need the registry binary. */
export const ociRegistry = {
  skip: !REGISTRY_BINARY,
  reason: 'needs the docker-registry binary (Debian package docker-registry; .ci/run installs it)',
};

export interface OciRegistryOptions {
  /** Clients must present these (through the token service) to pull. */
  auth?: { username: string; password: string };
  /** Serve the front over HTTPS with the test certificate (only with auth). */
  tls?: boolean;
}

export interface OciRequest {
  method: string;
  path: string;
  status: number;
}

export interface OciRegistry {
  /** `oci://127.0.0.1:PORT/charts`: what a GitSync names. */
  url: string;
  /** Pushes a packaged chart to `<url>/<chart>:<version>`; resolves to the manifest digest helm printed. */
  push(archive: string): Promise<string>;
  /** Requests that reached the client-facing side (the front with auth, else none are logged). */
  requests: OciRequest[];
  stop(): Promise<void>;
}

export async function startOciRegistry(options: OciRegistryOptions = {}): Promise<OciRegistry> {
  if (!REGISTRY_BINARY) throw new Error(ociRegistry.reason);
  const dir = scratchDir('ferry-oci-');
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n  secret: ${randomBytes(8).toString('hex')}\n`,
  );
  const child = spawn(REGISTRY_BINARY, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const backend = `http://127.0.0.1:${port}`;
  await waitUntilServing(backend, child, () => stderr);
  const requests: OciRequest[] = [];
  const front = options.auth ? await startTokenFront(backend, options.auth, options.tls === true, requests) : undefined;
  return {
    url: `oci://${front?.host ?? `127.0.0.1:${port}`}/charts`,
    async push(archive) {
      const out = await helm(['push', archive, `oci://127.0.0.1:${port}/charts`, '--plain-http']);
      return /Digest: (sha256:[0-9a-f]{64})/.exec(out)?.[1] ?? '';
    },
    requests,
    async stop() {
      await front?.stop();
      child.kill();
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    },
  };
}

/** The token handshake in front of the registry: `/token` trades basic credentials for a token; `/v2/…` wants it. */
async function startTokenFront(backend: string, auth: { username: string; password: string }, tls: boolean, requests: OciRequest[]): Promise<{ host: string; stop(): Promise<void> }> {
  const tokens = new Set<string>();
  const basic = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  let realm = '';
  const handler: http.RequestListener = (request, response) => {
    const path = request.url ?? '/';
    const answer = (status: number, body: string, headers: Record<string, string> = {}) => {
      requests.push({ method: request.method ?? 'GET', path, status });
      response.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(body);
    };
    if (path.startsWith('/token')) {
      if (request.headers.authorization !== basic) return answer(401, JSON.stringify({ errors: [{ code: 'UNAUTHORIZED' }] }));
      const token = randomBytes(16).toString('hex');
      tokens.add(token);
      return answer(200, JSON.stringify({ token, expires_in: 300 }));
    }
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!bearer || !tokens.has(bearer)) {
      const scope = /^\/v2\/(.+)\/(tags|manifests|blobs)\//.exec(path)?.[1];
      return answer(401, JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }), {
        'WWW-Authenticate': `Bearer realm="${realm}",service="ferry-test-registry"${scope ? `,scope="repository:${scope}:pull"` : ''}`,
      });
    }
    const { authorization: _token, ...headers } = request.headers;
    const forwarded = http.request(`${backend}${path}`, { method: request.method, headers: { ...headers, host: new URL(backend).host } }, (upstream) => {
      requests.push({ method: request.method ?? 'GET', path, status: upstream.statusCode ?? 0 });
      response.writeHead(upstream.statusCode ?? 502, upstream.headers);
      upstream.pipe(response);
    });
    forwarded.on('error', () => answer(502, '{}'));
    request.pipe(forwarded);
  };
  const server = tls ? https.createServer({ cert: readFileSync(join(TLS, 'server.crt')), key: readFileSync(join(TLS, 'server.key')) }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  realm = `${tls ? 'https' : 'http'}://${host}/token`;
  return { host, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Until `/v2/` answers (the registry is up), or the process died. */
async function waitUntilServing(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${stderr()}`);
    const up = await new Promise<boolean>((resolve) => {
      http.get(`${url}/v2/`, (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      }).on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`docker-registry did not start: ${stderr()}`);
}
