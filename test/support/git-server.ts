/**
 * A real Git smart-HTTP server for tests: `git http-backend` from the installed git, run as CGI
 * behind a small Node HTTP server on 127.0.0.1, serving bare repositories that tests create and
 * push to with the real `git`. Optional basic or bearer auth; a request log for counting.
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

export interface GitRequest {
  method: string;
  path: string;
  service?: string;
  status: number;
  bytesOut: number;
}

export interface TestRepo {
  name: string;
  url: string;
  workdir: string;
  writeFiles(files: Record<string, string | Buffer>): Promise<void>;
  removeFiles(paths: string[]): Promise<void>;
  symlink(path: string, target: string): Promise<void>;
  commit(message?: string): Promise<string>;
  push(options?: { branch?: string; force?: boolean }): Promise<void>;
  commitAndPush(files: Record<string, string | Buffer>, message?: string): Promise<string>;
  tag(name: string, options?: { annotated?: boolean }): Promise<void>;
  deleteRemoteRef(ref: string): Promise<void>;
  git(...args: string[]): Promise<string>;
}

export interface GitServer {
  url: string;
  repoUrl(name: string): string;
  createRepo(name: string, options?: { defaultBranch?: string }): Promise<TestRepo>;
  requests: GitRequest[];
  resetRequests(): void;
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

  const authorized = (header: string | undefined): boolean => {
    if (!options.auth) return true;
    if ('bearerToken' in options.auth) return header === `Bearer ${options.auth.bearerToken}`;
    return header === `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
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
        record.status = status;
        record.bytesOut = payload.length;
        response.writeHead(status, headers);
        response.end(payload);
      });
      // The backend may answer and exit before reading the whole body (a refused request).
      child.stdin.on('error', () => undefined);
      child.stdin.end(body);
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
    resetRequests: () => void requests.splice(0),
    pause: close,
    async resume() {
      server = http.createServer(handler);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    async stop() {
      if (server.listening) await close();
      rmSync(root, { recursive: true, force: true });
    },
    async createRepo(name, repoOptions = {}) {
      const branch = repoOptions.defaultBranch ?? 'main';
      const bare = join(reposDir, `${name}.git`);
      await run('git', ['init', '--bare', '--quiet', `--initial-branch=${branch}`, bare], root);
      await run('git', ['config', 'http.receivepack', 'true'], bare);
      await run('git', ['config', 'uploadpack.allowAnySHA1InWant', 'true'], bare);
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
      };
      return repo;
    },
  };
}
