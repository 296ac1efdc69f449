/**
 * Git over SSH, in-process on ssh2, behind the HTTP client interface isomorphic-git uses for
 * smart HTTP, so refs, shallow fetches and the cache are one code path for both transports.
 *
 * git's SSH transport runs `git-upload-pack '<path>'` on the server: it writes its advertisement
 * at once, then answers a request on the same channel (gitprotocol-pack(5)). Smart HTTP splits
 * the same exchange into `GET …/info/refs` (the advertisement, after a `# service=` line) and
 * `POST …/git-upload-pack` (the request; the body is the answer). So a GET opens a connection and
 * the upload-pack channel and answers with the advertisement; the POST that follows writes its
 * body to that channel and streams back the answer: upload-pack's output until it exits (protocol
 * v0/v1, where it serves one request) or up to the flush that ends a protocol v2 answer (v2 stays
 * for more commands). The `Git-Protocol: version=2` header becomes the GIT_PROTOCOL variable, as
 * git sends it over SSH. The host key is checked against known_hosts before anything is sent.
 */
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import {
  AuthenticationError,
  HostKeyError,
  RepositoryNotFoundError,
  SourceError,
  SourceTimeoutError,
  SourceUnreachableError,
} from './errors.js';
import { checkHostKey, describeKey, hostKeyAlgorithms, parseKnownHosts, type KnownHostKey } from './known-hosts.js';
import { FLUSH, FlushScanner, pktLine } from './pkt-line.js';
import type { SshIdentity } from './ssh-identity.js';
import { uploadPackCommand, type SshUrl } from './ssh-url.js';

export interface SshAccess {
  /** The key to log in with (a Secret's `identity`, `--ssh-key`). */
  identity?: SshIdentity;
  /** An ssh-agent socket, used when there is no identity. */
  agentSocket?: string;
  /** known_hosts lines; the server's host key must be among them. */
  knownHosts: string;
}

/**
 * The HTTP client for one isomorphic-git call over SSH. Its connection opens at the call's first
 * request and is closed by close(), which the caller runs when the call returns.
 */
export class SshTransport {
  private session: UploadPackSession | undefined;
  private readonly known: KnownHostKey[];
  readonly http: HttpClient;

  constructor(
    private readonly target: SshUrl,
    private readonly access: SshAccess,
    private readonly signal: AbortSignal,
  ) {
    this.known = parseKnownHosts(access.knownHosts);
    this.http = { request: (request) => this.request(request) };
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.close();
  }

  private async request(request: GitHttpRequest): Promise<GitHttpResponse> {
    this.signal.throwIfAborted();
    const url = request.url;
    const answer = (contentType: string, body: AsyncIterableIterator<Uint8Array>): GitHttpResponse => ({
      url,
      method: request.method ?? 'GET',
      statusCode: 200,
      statusMessage: 'OK',
      headers: { 'content-type': contentType },
      body,
    });
    if ((request.method ?? 'GET') === 'GET' && url.endsWith('/info/refs?service=git-upload-pack')) {
      await this.close();
      const headers = request.headers ?? {};
      const protocol = headers['Git-Protocol'] ?? headers['git-protocol'];
      this.session = await UploadPackSession.open(this.target, this.access, this.known, protocol, this.signal);
      const advertisement = await this.session.readAdvertisement();
      return answer('application/x-git-upload-pack-advertisement', chunks([pktLine('# service=git-upload-pack\n'), FLUSH, advertisement]));
    }
    if (request.method === 'POST' && url.endsWith('/git-upload-pack') && this.session) {
      const body: Buffer[] = [];
      for await (const chunk of toIterable(request.body)) body.push(Buffer.from(chunk));
      return answer('application/x-git-upload-pack-result', this.session.exchange(Buffer.concat(body)));
    }
    throw new SourceError('SOURCE_FAILED', `${this.target.display}: ferry only fetches over SSH (asked for ${request.method} ${url.replace(/^.*\//, '')})`);
  }
}

/** One SSH connection running one upload-pack. */
class UploadPackSession {
  private readonly queue: Buffer[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private failure: Error | undefined;
  private stderr = '';
  private exitCode: number | undefined;
  private version2 = false;
  /** upload-pack is waiting for a request (after its advertisement, between v2 commands). */
  private awaitingRequest = false;
  private readonly channelClosed: Promise<void>;
  private readonly clientClosed: Promise<void>;

  private constructor(
    private readonly target: SshUrl,
    private readonly client: Client,
    private readonly channel: ClientChannel,
    clientClosed: Promise<void>,
    signal: AbortSignal,
  ) {
    this.clientClosed = clientClosed;
    channel.on('data', (chunk: Buffer) => {
      this.queue.push(chunk);
      // Hold the server back while isomorphic-git is still reading what came.
      if (this.queue.length > 64) channel.pause();
      this.notify();
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 8192) this.stderr += chunk.toString('utf8');
    });
    channel.on('exit', (code: number | null) => {
      if (typeof code === 'number') this.exitCode = code;
    });
    this.channelClosed = new Promise((resolve) => channel.once('close', () => resolve()));
    channel.once('end', () => {
      this.ended = true;
      this.notify();
    });
    channel.once('close', () => {
      this.ended = true;
      this.notify();
    });
    client.on('error', (error: Error) => this.fail(classify(target, error, undefined, undefined)));
    client.once('close', () => {
      this.ended = true;
      this.notify();
    });
    const onAbort = () => this.fail(signal.reason instanceof Error ? signal.reason : new SourceTimeoutError('SOURCE_CANCELLED', `${target.display}: fetch cancelled`));
    signal.addEventListener('abort', onAbort, { once: true });
    void clientClosed.then(() => signal.removeEventListener('abort', onAbort));
  }

  /** Connects, checks the host key, logs in and starts upload-pack. */
  static async open(target: SshUrl, access: SshAccess, known: KnownHostKey[], protocol: string | undefined, signal: AbortSignal): Promise<UploadPackSession> {
    const client = new Client();
    let hostKeyFailure: HostKeyError | undefined;
    const clientClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const methods: NonNullable<ConnectConfig['authHandler']> = [];
    if (access.identity) methods.push({ type: 'publickey', username: target.user, key: access.identity.key } as never);
    if (access.agentSocket) methods.push({ type: 'agent', username: target.user, agent: access.agentSocket } as never);
    const algorithms = hostKeyAlgorithms(known, target.knownHostsName);
    const ready = new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        client.destroy();
        reject(signal.reason);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      client.once('ready', () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      client.once('error', (error: Error) => {
        signal.removeEventListener('abort', onAbort);
        client.destroy();
        reject(classify(target, error, hostKeyFailure, access));
      });
    });
    client.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      authHandler: methods,
      // The fetch's own time limit covers the handshake (its signal ends the connection).
      readyTimeout: 0,
      ...(algorithms ? { algorithms: { serverHostKey: algorithms as never } } : {}),
      hostVerifier: (key: Buffer) => {
        const verdict = checkHostKey(known, target.knownHostsName, key);
        if (verdict.status === 'known') return true;
        hostKeyFailure = hostKeyError(target, key, verdict, known.length === 0);
        return false;
      },
    });
    await ready;
    const channel = await new Promise<ClientChannel>((resolve, reject) => {
      const options = protocol ? { env: { GIT_PROTOCOL: protocol } } : {};
      client.exec(uploadPackCommand(target.path), options, (error, stream) => {
        if (error) {
          client.destroy();
          reject(new SourceError('SOURCE_FAILED', `${target.display}: the SSH server would not run git-upload-pack (${error.message})`, { cause: error }));
        } else resolve(stream);
      });
    });
    return new UploadPackSession(target, client, channel, clientClosed, signal);
  }

  /** The advertisement (refs and capabilities, or v2's capabilities), up to its flush. */
  async readAdvertisement(): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const part of this.untilFlush()) parts.push(part);
    const advertisement = Buffer.concat(parts);
    const first = advertisement.subarray(4, 4 + 80).toString('utf8');
    if (first.startsWith('ERR ')) throw await this.refused(first.slice(4).trim());
    this.version2 = first.startsWith('version 2');
    this.awaitingRequest = true;
    return this.version2 ? advertisement : withoutPeeledTags(advertisement);
  }

  /** Sends one request and streams its answer. */
  async *exchange(body: Buffer): AsyncIterableIterator<Uint8Array> {
    this.awaitingRequest = false;
    this.channel.write(body);
    if (this.version2) {
      yield* this.untilFlush();
      this.awaitingRequest = true;
      return;
    }
    // v0/v1: upload-pack serves one request and exits.
    for (;;) {
      const chunk = await this.next();
      if (!chunk) break;
      yield chunk;
    }
    await this.channelClosed;
    if (this.exitCode !== undefined && this.exitCode !== 0) throw await this.endedEarly();
  }

  /** Ends upload-pack as git does (a flush where it waits for a request), then the connection. */
  async close(): Promise<void> {
    if (this.awaitingRequest && !this.ended) this.channel.write(FLUSH);
    this.awaitingRequest = false;
    this.channel.end();
    this.client.end();
    await this.clientClosed;
  }

  private async *untilFlush(): AsyncIterableIterator<Buffer> {
    const scanner = new FlushScanner();
    for (;;) {
      const chunk = await this.next();
      if (!chunk) throw await this.endedEarly();
      let end: number | undefined;
      try {
        end = scanner.push(chunk);
      } catch {
        throw new SourceError('SOURCE_FAILED', `${this.target.display}: the SSH server's answer is not Git's protocol (${preview(chunk)}); does the account run a shell that prints text?`);
      }
      if (end === undefined) {
        yield chunk;
        continue;
      }
      if (end < chunk.length) this.queue.unshift(chunk.subarray(end));
      yield chunk.subarray(0, end);
      return;
    }
  }

  private async next(): Promise<Buffer | undefined> {
    for (;;) {
      if (this.failure) throw this.failure;
      const chunk = this.queue.shift();
      if (chunk) {
        if (this.queue.length <= 16 && this.channel.isPaused()) this.channel.resume();
        return chunk;
      }
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.client.destroy();
    this.notify();
  }

  /** upload-pack stopped before its answer was whole: say what the server said. */
  private async endedEarly(): Promise<SourceError> {
    if (this.failure) return this.failure instanceof SourceError ? this.failure : classify(this.target, this.failure, undefined, undefined);
    await Promise.race([this.channelClosed, this.clientClosed]);
    const said = lastLine(this.stderr);
    if (!said) return new SourceUnreachableError('SOURCE_FETCH_INCOMPLETE', `${this.target.display}: the SSH connection ended before upload-pack's answer was complete${this.exitCode !== undefined ? ` (exit ${this.exitCode})` : ''}`);
    return this.refused(said);
  }

  private async refused(said: string): Promise<SourceError> {
    if (/does not appear to be a git repository|not a git repository|repository not found|could not be found|does not exist|no such (file|repository)/i.test(said)) {
      return new RepositoryNotFoundError('SOURCE_REPO_NOT_FOUND', `${this.target.display}: repository not found (the server said: ${said})`);
    }
    if (/permission denied|access denied|not authorized|forbidden/i.test(said)) {
      return new AuthenticationError('SOURCE_AUTH_FAILED', `${this.target.display}: the key may not read this repository (the server said: ${said})`);
    }
    return new SourceError('SOURCE_FAILED', `${this.target.display}: upload-pack failed${this.exitCode !== undefined ? ` (exit ${this.exitCode})` : ''}: ${said}`);
  }
}

function hostKeyError(target: SshUrl, key: Buffer, verdict: ReturnType<typeof checkHostKey>, noKnownHosts: boolean): HostKeyError {
  const shown = describeKey(key);
  const name = target.knownHostsName;
  const details = { host: name, fingerprint: shown.split(' ')[1] };
  if (verdict.status === 'revoked') {
    return new HostKeyError('SOURCE_HOST_KEY_REVOKED', `${target.display}: the host key of ${name} (${shown}) is marked @revoked in known_hosts; nothing was fetched`, { details });
  }
  if (verdict.status === 'changed') {
    const expected = verdict.expected.map((entry) => describeKey(entry.key)).join(', ');
    return new HostKeyError(
      'SOURCE_HOST_KEY_MISMATCH',
      `${target.display}: the host key of ${name} is ${shown}, not the one known_hosts lists (${expected}); nothing was fetched (the server's key changed, or something is in between)`,
      { details },
    );
  }
  return new HostKeyError(
    'SOURCE_HOST_KEY_UNKNOWN',
    `${target.display}: ${name} is not in known_hosts${noKnownHosts ? ' (no known_hosts was given)' : ''}; its host key is ${shown}: check that fingerprint with the Git host, then add the key to known_hosts; nothing was fetched`,
    { details },
  );
}

/** ssh2's connection errors → ours, naming the URL (never a key). */
function classify(target: SshUrl, error: Error, hostKeyFailure: HostKeyError | undefined, access: SshAccess | undefined): SourceError {
  if (hostKeyFailure) return hostKeyFailure;
  if (error instanceof SourceError) return error;
  const e = error as Error & { level?: string; code?: string };
  if (e.level === 'client-authentication') {
    const tried = access?.identity ? `the key ${access.identity.description}` : access?.agentSocket ? "the keys of ssh-agent (SSH_AUTH_SOCK)" : 'no key';
    return new AuthenticationError(
      'SOURCE_AUTH_FAILED',
      `${target.display}: the SSH server refused ${tried} for user ${target.user}; check that the public key is a deploy key (or an authorized key) of this repository`,
      { cause: error },
    );
  }
  if (e.level === 'client-timeout') return new SourceTimeoutError('SOURCE_TIMEOUT', `${target.display}: no SSH handshake`, { cause: error });
  if (e.code || e.level === 'client-socket' || e.level === 'client-dns') {
    return new SourceUnreachableError('SOURCE_UNREACHABLE', `${target.display}: unreachable (${e.code ?? e.message})`, { cause: error });
  }
  return new SourceError('SOURCE_FAILED', `${target.display}: SSH: ${e.message}`, { cause: error });
}

/**
 * A v0 advertisement without its `refs/tags/x^{}` lines. isomorphic-git's fetch with tags wants
 * every advertised tag line, the peeled commits too; stateless upload-pack (HTTP) grants them,
 * upload-pack over SSH refuses each as `not our ref` (only advertised objects are ours). The tag
 * object is wanted anyway and brings its commit, so nothing is lost.
 */
export function withoutPeeledTags(advertisement: Buffer): Buffer {
  const kept: Buffer[] = [];
  for (let at = 0; at + 4 <= advertisement.length; ) {
    const length = Number.parseInt(advertisement.subarray(at, at + 4).toString('latin1'), 16);
    const size = length >= 4 ? length : 4;
    const line = advertisement.subarray(at, at + size);
    if (!(length > 4 && /\^\{\}\n?$/.test(line.subarray(4).toString('latin1')))) kept.push(line);
    at += size;
  }
  return Buffer.concat(kept);
}

function lastLine(text: string): string {
  return text.trim().split(/\r?\n/).filter(Boolean).pop()?.trim() ?? '';
}

function preview(chunk: Buffer): string {
  return JSON.stringify(chunk.subarray(0, 40).toString('utf8'));
}

async function* chunks(parts: Buffer[]): AsyncIterableIterator<Uint8Array> {
  yield* parts;
}

async function* toIterable(body: GitHttpRequest['body']): AsyncIterableIterator<Uint8Array> {
  if (!body) return;
  if (Symbol.asyncIterator in (body as object)) {
    for await (const chunk of body as AsyncIterable<Uint8Array>) yield chunk;
    return;
  }
  for (const chunk of body as unknown as Iterable<Uint8Array>) yield chunk;
}
