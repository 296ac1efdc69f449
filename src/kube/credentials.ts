import type https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { ExecPluginError } from './errors.js';

/** The TLS material of the kubeconfig's cluster and user, for the keep-alive agent. */
export interface TlsMaterial {
  ca?: https.RequestOptions['ca'];
  cert?: https.RequestOptions['cert'];
  key?: https.RequestOptions['key'];
  rejectUnauthorized?: boolean;
  servername?: string;
}

/** What one request needs from the kubeconfig's user: auth headers and TLS material. */
export interface Credential {
  headers: Record<string, string>;
  tls: TlsMaterial;
}

/** How long auth options (exec plugin tokens without an expiry) are reused before asking again. */
const AUTH_TTL_MS = 60_000;

/**
 * The kubeconfig's user as request headers: bearer tokens, basic auth, client certificates,
 * exec credential plugins (`aws eks get-token`) and in-cluster service-account tokens, all through
 * @kubernetes/client-node's KubeConfig. Exec plugins are slow, so the answer is reused for a while;
 * a 401 drops it (`invalidate`) so the next request asks for a fresh token.
 */
export class Credentials {
  private cached: { credential: Credential; expires: number } | undefined;

  constructor(private readonly config: KubeConfig) {}

  /** True while a previously fetched credential is being reused (a 401 may mean it expired). */
  get isCached(): boolean {
    return this.cached !== undefined;
  }

  async current(): Promise<Credential> {
    if (this.cached && this.cached.expires > Date.now()) return { headers: { ...this.cached.credential.headers }, tls: this.cached.credential.tls };
    const options: https.RequestOptions = { headers: {} };
    try {
      await this.config.applyToHTTPSOptions(options);
    } catch (error) {
      throw this.describeFailure(error);
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.headers ?? {})) {
      if (typeof value === 'string') headers[key] = value;
      else if (Array.isArray(value)) headers[key] = value.join(', ');
      else if (typeof value === 'number') headers[key] = String(value);
    }
    if (options.auth) headers.Authorization = `Basic ${Buffer.from(options.auth).toString('base64')}`;
    const tls: TlsMaterial = {
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.cert ? { cert: options.cert } : {}),
      ...(options.key ? { key: options.key } : {}),
      ...(options.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
      ...(options.servername ? { servername: options.servername } : {}),
    };
    this.cached = { credential: { headers, tls }, expires: Date.now() + AUTH_TTL_MS };
    return { headers: { ...headers }, tls };
  }

  /** Forgets the cached credential: the next request asks the kubeconfig (or its plugin) again. */
  invalidate(): void {
    this.cached = undefined;
  }

  private describeFailure(error: unknown): ExecPluginError {
    const user = this.config.getCurrentUser();
    if (user?.exec) {
      const command = [user.exec.command, ...((user.exec.args as string[] | undefined) ?? [])].join(' ');
      const detail = (error instanceof Error ? error.message : String(error)).trim().split('\n')[0] || 'it exited with an error';
      return new ExecPluginError('KUBE_EXEC_PLUGIN', `the kubeconfig exec credential plugin "${command}" failed: ${detail}`, { cause: error });
    }
    return new ExecPluginError('KUBE_AUTH', `cannot prepare credentials from the kubeconfig: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
