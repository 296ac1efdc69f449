/**
 * A real Git smart-HTTP server for tests: `git http-backend` from the installed git, run as CGI
 * behind a small Node HTTP server on 127.0.0.1, serving bare repositories that tests create and
 * push to with the real `git`. Optional basic or bearer auth; a request log for counting (bytes
 * out per request); faults a real network shows (a pack cut short, a server slower than any
 * timeout); and the `uploadpack.allow*SHA1InWant` settings, turned on and off per repository.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface GitServerOptions {
  auth?: { username: string; password: string } | { bearerToken: string };
}

/**
 * Which commits a client may name in a `want` line, as upload-pack's configuration says:
 * `none` (git's default) only the tips of advertised refs; `tip` also tips of hidden refs
 * (`uploadpack.allowTipSHA1InWant`); `reachable` any commit reachable from a ref
 * (`uploadpack.allowReachableSHA1InWant`, what the big hosts advertise); `any` any object.
 */
export type WantPolicy = 'none' | 'tip' | 'reachable' | 'any';

/** Something going wrong on the server side of a fetch (never of a refs listing). */
export type GitFault =
  /**
   * The answer to a fetch stops after `afterBytes` (default: half of it): `abort` drops the
   * connection mid-answer, as a crashed server or a reset connection does; `end` finishes the
   * HTTP response early, as a truncating proxy does. `atPacketBoundary` moves the cut back to
   * the end of the last whole pkt-line, as when a server dies between two writes.
   */
  | { type: 'cut-pack'; how: 'abort' | 'end'; afterBytes?: number; atPacketBoundary?: boolean }
  /** Fetch answers are held until the fault is cleared: a server slower than any timeout. */
  | { type: 'stall' };

export interface GitRequest {
  method: string;
  path: string;
  service?: string;
  status: number;
  bytesOut: number;
  /** For upload-pack requests: the commits the client asked for (`want` lines). */
  wants?: string[];
  /** The fault that changed this answer, if any. */
  fault?: GitFault['type'];
  /** The client went away before the answer was complete (it gave up, or was stopped). */
  clientClosed?: boolean;
}

export interface TestRepo {
  name: string;
  url: string;
  workdir: string;
  writeFiles(files: Record<string, string | Buffer>): Promise<void>;
  removeFiles(paths: string[]): Promise<void>;
  symlink(path: string, target: string): Promise<void>;
  /** Adds a submodule as `git submodule add` records it: a gitlink and its `.gitmodules` entry. */
  submodule(path: string, options: { name: string; url: string; commit: string }): Promise<void>;
  commit(message?: string): Promise<string>;
  push(options?: { branch?: string; force?: boolean }): Promise<void>;
  commitAndPush(files: Record<string, string | Buffer>, message?: string): Promise<string>;
  tag(name: string, options?: { annotated?: boolean }): Promise<void>;
  deleteRemoteRef(ref: string): Promise<void>;
  git(...args: string[]): Promise<string>;
  /** Changes which commits clients may ask for by SHA (the upload-pack configuration). */
  allowWants(policy: WantPolicy): Promise<void>;
  /** The bare repository the server serves. */
  bareDir: string;
}

export interface GitServer {
  url: string;
  repoUrl(name: string): string;
  createRepo(name: string, options?: { defaultBranch?: string; wants?: WantPolicy }): Promise<TestRepo>;
  requests: GitRequest[];
  resetRequests(): void;
  /** Bytes sent in answers since the last resetRequests(). */
  bytesOut(): number;
  /** The most fetches (upload-pack requests with wants) this server answered at once since resetRequests(). */
  peakConcurrentFetches(): number;
  /** Applies `fault` to the next `times` fetches (default: every fetch until clearFaults()). */
  injectFault(fault: GitFault, options?: { times?: number }): void;
  /** Removes every fault; answers held by a stall are sent now. */
  clearFaults(): void;
  /** Stops answering (connections refused) until start() — the server is "down". */
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'ferry test',
  GIT_AUTHOR_EMAIL: 'test@ferry.invalid',
  GIT_COMMITTER_NAME: 'ferry test',
  GIT_COMMITTER_EMAIL: 'test@ferry.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  HOME: tmpdir(),
};

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env: { ...process.env, ...GIT_ENV } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')}: ${stderr || error.message}`));
      else resolve(stdout.trim());
    });
  });
}

/** The object ids of a request's `want` lines (protocol v0/v1 and v2 alike). */
function wantsOf(body: Buffer): string[] {
  const wants: string[] = [];
  for (let at = 0; at + 4 <= body.length; ) {
    const length = Number.parseInt(body.subarray(at, at + 4).toString('ascii'), 16);
    if (Number.isNaN(length)) break;
    if (length < 4) {
      at += 4;
      continue;
    }
    const line = body.subarray(at + 4, at + length).toString('utf8');
    const match = /^want ([0-9a-f]{40})/.exec(line);
    if (match) wants.push(match[1] as string);
    at += length;
  }
  return wants;
}

/** The end of the last whole pkt-line at or before `limit`. */
function lastPacketBoundary(payload: Buffer, limit: number): number {
  let boundary = 0;
  for (let at = 0; at + 4 <= payload.length; ) {
    const length = Number.parseInt(payload.subarray(at, at + 4).toString('ascii'), 16);
    const next = at + (Number.isNaN(length) || length < 4 ? 4 : length);
    if (next > limit) break;
    boundary = at = next;
  }
  return boundary;
}

function pktLine(text: string): Buffer {
  const data = Buffer.from(`${text}\n`);
  return Buffer.concat([Buffer.from((data.length + 4).toString(16).padStart(4, '0')), data, Buffer.from('0000')]);
}

let backendPath: Promise<string> | undefined;
function gitHttpBackend(): Promise<string> {
  backendPath ??= run('git', ['--exec-path'], tmpdir()).then((dir) => join(dir, 'git-http-backend'));
  return backendPath;
}

export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const root = mkdtempSync(join(tmpdir(), 'ferry-git-'));
  const reposDir = join(root, 'repos');
  const workDir = join(root, 'work');
  await mkdir(reposDir, { recursive: true });
  await mkdir(workDir, { recursive: true });
  const backend = await gitHttpBackend();
  const requests: GitRequest[] = [];
  const policies = new Map<string, WantPolicy>();
  const faults: Array<{ fault: GitFault; left: number }> = [];
  const held: Array<() => void> = [];
  const concurrency = { now: 0, peak: 0 };

  const authorized = (header: string | undefined): boolean => {
    if (!options.auth) return true;
    if ('bearerToken' in options.auth) return header === `Bearer ${options.auth.bearerToken}`;
    return header === `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
  };

  const nextFault = (): GitFault | undefined => {
    const entry = faults[0];
    if (!entry) return undefined;
    if (--entry.left <= 0) faults.shift();
    return entry.fault;
  };

  /**
   * git http-backend runs upload-pack stateless, and stateless upload-pack accepts any commit
   * reachable from a ref whatever the configuration says. Over SSH and git:// it refuses what the
   * configuration does not allow; this server answers as those do, so a client cannot rely on
   * what the server does not advertise.
   */
  const refusedWant = async (repoPath: string, wants: string[]): Promise<string | undefined> => {
    const policy = policies.get(repoPath) ?? 'none';
    if (wants.length === 0 || policy === 'reachable' || policy === 'any') return undefined;
    const bare = join(reposDir, repoPath);
    // The advertised objects only: a tag's, not the commit it peels to (upload-pack's mark_our_ref).
    const tips = new Set((await run('git', ['for-each-ref', '--format=%(objectname)'], bare)).split(/\s+/).filter(Boolean));
    tips.add(await run('git', ['rev-parse', 'HEAD'], bare).catch(() => ''));
    return wants.find((want) => !tips.has(want));
  };

  const handler = (request: http.IncomingMessage, response: http.ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://git');
    const record: GitRequest = { method: request.method ?? 'GET', path: url.pathname, status: 0, bytesOut: 0 };
    const service = url.searchParams.get('service') ?? /\/(git-[a-z-]+)$/.exec(url.pathname)?.[1];
    if (service) record.service = service;
    requests.push(record);
    if (!authorized(request.headers.authorization)) {
      record.status = 401;
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="ferry-test"' });
      response.end('unauthorized');
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      let body = Buffer.concat(chunks);
      if (request.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const isFetch = request.method === 'POST' && service === 'git-upload-pack' && wantsOf(body).length > 0;
      if (isFetch) {
        record.wants = wantsOf(body);
        concurrency.peak = Math.max(concurrency.peak, ++concurrency.now);
        let open = true;
        response.on('close', () => {
          if (!response.writableFinished && record.fault !== 'cut-pack') record.clientClosed = true;
          if (open) concurrency.now--;
          open = false;
        });
      }
      const fault = isFetch ? nextFault() : undefined;
      if (fault) record.fault = fault.type;
      const answer = (status: number, headers: Record<string, string>, payload: Buffer) => {
        record.status = status;
        if (fault?.type === 'cut-pack') {
          const wanted = fault.afterBytes ?? Math.floor(payload.length / 2);
          const cut = payload.subarray(0, fault.atPacketBoundary ? lastPacketBoundary(payload, wanted) : wanted);
          record.bytesOut = cut.length;
          // Without a length the response is chunked: `abort` leaves the last chunk unterminated.
          const { 'Content-Length': _length, ...rest } = headers;
          response.writeHead(status, rest);
          if (fault.how === 'end') {
            response.end(cut);
          } else {
            response.write(cut, () => response.destroy());
          }
          return;
        }
        record.bytesOut = payload.length;
        response.writeHead(status, headers);
        response.end(payload);
      };
      const serve = async () => {
        const repoPath = /^\/([^/]+\.git)\//.exec(url.pathname)?.[1];
        const refused = isFetch && repoPath ? await refusedWant(repoPath, record.wants ?? []) : undefined;
        if (refused) {
          answer(200, { 'Content-Type': 'application/x-git-upload-pack-result' }, pktLine(`ERR upload-pack: not our ref ${refused}`));
          return;
        }
        const child = spawn(backend, [], {
          env: {
            ...process.env,
            GIT_PROJECT_ROOT: reposDir,
            GIT_HTTP_EXPORT_ALL: '1',
            PATH_INFO: url.pathname,
            REQUEST_METHOD: request.method ?? 'GET',
            QUERY_STRING: url.search.replace(/^\?/, ''),
            CONTENT_TYPE: request.headers['content-type'] ?? '',
            CONTENT_LENGTH: String(body.length),
            REMOTE_USER: 'test',
            REMOTE_ADDR: '127.0.0.1',
            ...(request.headers['git-protocol'] ? { GIT_PROTOCOL: String(request.headers['git-protocol']) } : {}),
          },
        });
        const out: Buffer[] = [];
        child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
        child.on('close', () => {
          const raw = Buffer.concat(out);
          const split = raw.indexOf('\r\n\r\n') >= 0 ? raw.indexOf('\r\n\r\n') : raw.indexOf('\n\n');
          const separator = raw.indexOf('\r\n\r\n') >= 0 ? 4 : 2;
          const headerText = split >= 0 ? raw.subarray(0, split).toString('utf8') : '';
          const payload = split >= 0 ? raw.subarray(split + separator) : raw;
          let status = 200;
          const headers: Record<string, string> = {};
          for (const line of headerText.split(/\r?\n/)) {
            const colon = line.indexOf(':');
            if (colon < 0) continue;
            const name = line.slice(0, colon).trim();
            const value = line.slice(colon + 1).trim();
            if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
            else headers[name] = value;
          }
          answer(status, headers, payload);
        });
        // The backend may answer and exit before reading the whole body (a refused request).
        child.stdin.on('error', () => undefined);
        child.stdin.end(body);
      };
      if (fault?.type === 'stall') held.push(() => void serve());
      else void serve();
    });
  };

  let server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const repoUrl = (name: string) => `${url}/${name}.git`;

  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });

  return {
    url,
    repoUrl,
    requests,
    resetRequests: () => {
      requests.splice(0);
      concurrency.peak = concurrency.now;
    },
    peakConcurrentFetches: () => concurrency.peak,
    bytesOut: () => requests.reduce((sum, r) => sum + r.bytesOut, 0),
    injectFault(fault, faultOptions = {}) {
      faults.push({ fault, left: faultOptions.times ?? Number.POSITIVE_INFINITY });
    },
    clearFaults() {
      faults.splice(0);
      for (const release of held.splice(0)) release();
    },
    pause: close,
    async resume() {
      server = http.createServer(handler);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    async stop() {
      held.splice(0);
      if (server.listening) await close();
      rmSync(root, { recursive: true, force: true });
    },
    async createRepo(name, repoOptions = {}) {
      const branch = repoOptions.defaultBranch ?? 'main';
      const bare = join(reposDir, `${name}.git`);
      await run('git', ['init', '--bare', '--quiet', `--initial-branch=${branch}`, bare], root);
      await run('git', ['config', 'http.receivepack', 'true'], bare);
      const allowWants = async (policy: WantPolicy) => {
        policies.set(`${name}.git`, policy);
        // Unset rather than false: upload-pack reads `allowAnySHA1InWant=false` as clearing all three.
        for (const key of ['allowTipSHA1InWant', 'allowReachableSHA1InWant', 'allowAnySHA1InWant']) {
          await run('git', ['config', '--unset', `uploadpack.${key}`], bare).catch(() => undefined);
        }
        const key = { none: undefined, tip: 'allowTipSHA1InWant', reachable: 'allowReachableSHA1InWant', any: 'allowAnySHA1InWant' }[policy];
        if (key) await run('git', ['config', `uploadpack.${key}`, 'true'], bare);
      };
      await allowWants(repoOptions.wants ?? 'none');
      const workdir = join(workDir, name);
      await run('git', ['init', '--quiet', `--initial-branch=${branch}`, workdir], root);
      await run('git', ['remote', 'add', 'origin', bare], workdir);
      const repo: TestRepo = {
        name,
        url: repoUrl(name),
        workdir,
        async writeFiles(files) {
          for (const [path, content] of Object.entries(files)) {
            const target = join(workdir, path);
            await mkdir(dirname(target), { recursive: true });
            await writeFile(target, content);
          }
        },
        async removeFiles(paths) {
          for (const path of paths) await rm(join(workdir, path), { recursive: true, force: true });
        },
        async symlink(path, target) {
          await mkdir(dirname(join(workdir, path)), { recursive: true });
          await symlink(target, join(workdir, path));
        },
        async submodule(path, submoduleOptions) {
          // An empty directory is what a clone without --recurse-submodules leaves: `add -A` keeps the gitlink.
          await mkdir(join(workdir, path), { recursive: true });
          await run('git', ['update-index', '--add', '--cacheinfo', `160000,${submoduleOptions.commit},${path}`], workdir);
          await run('git', ['config', '-f', '.gitmodules', `submodule.${submoduleOptions.name}.path`, path], workdir);
          await run('git', ['config', '-f', '.gitmodules', `submodule.${submoduleOptions.name}.url`, submoduleOptions.url], workdir);
        },
        async commit(message = 'change') {
          await run('git', ['add', '-A'], workdir);
          await run('git', ['commit', '--quiet', '--allow-empty', '-m', message], workdir);
          return run('git', ['rev-parse', 'HEAD'], workdir);
        },
        async push(pushOptions = {}) {
          const target = pushOptions.branch ?? (await run('git', ['rev-parse', '--abbrev-ref', 'HEAD'], workdir));
          await run('git', ['push', '--quiet', ...(pushOptions.force ? ['--force'] : []), 'origin', `HEAD:refs/heads/${target}`], workdir);
        },
        async commitAndPush(files, message) {
          await repo.writeFiles(files);
          const sha = await repo.commit(message);
          await repo.push();
          return sha;
        },
        async tag(tagName, tagOptions = {}) {
          await run('git', ['tag', ...(tagOptions.annotated ? ['-a', '-m', tagName] : []), tagName], workdir);
          await run('git', ['push', '--quiet', 'origin', `refs/tags/${tagName}`], workdir);
        },
        async deleteRemoteRef(ref) {
          await run('git', ['push', '--quiet', 'origin', `:${ref}`], workdir);
        },
        git: (...args) => run('git', args, workdir),
        allowWants,
        bareDir: bare,
      };
      return repo;
    },
  };
}
