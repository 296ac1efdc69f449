import type { Connection } from './connection.js';
import { Discovery } from './discovery.js';
import { OpenApiV3 } from './openapi.js';

/** The server's `/version` answer (raw: every field the server sends is kept). */
export interface ServerVersion {
  major: string;
  /** May carry a suffix on managed clusters (`32+`). */
  minor: string;
  gitVersion: string;
  [field: string]: unknown;
}

/**
 * One connection to one API server and what it has learned about the server: discovery, the
 * OpenAPI documents and the version, all made with the kubeconfig's own identity and cached
 * until `invalidate`. Client views (impersonation) share a session.
 */
export class ApiSession {
  readonly discovery: Discovery;
  readonly openApi: OpenApiV3;
  private version: Promise<ServerVersion> | undefined;

  constructor(readonly connection: Connection) {
    this.discovery = new Discovery(async (path, accept) => {
      const { body } = await connection.call({ method: 'GET', path, ...(accept ? { accept } : {}), verb: 'discovery', resource: 'discovery', idempotent: true, target: { what: `discovery ${path}` } });
      return body;
    });
    this.openApi = new OpenApiV3(async (path) => {
      const { body } = await connection.call({ method: 'GET', path, verb: 'openapi', resource: 'openapi', idempotent: true, target: { what: `OpenAPI ${path.replace(/\?.*$/, '')}` } });
      return body;
    });
  }

  serverVersion(): Promise<ServerVersion> {
    if (!this.version) {
      const loading = this.connection.call({ method: 'GET', path: '/version', verb: 'discovery', resource: 'version', idempotent: true, target: { what: 'server version' } }).then(({ body }) => body as ServerVersion);
      this.version = loading;
      loading.catch(() => {
        if (this.version === loading) this.version = undefined;
      });
    }
    return this.version;
  }

  /** Forgets what discovery, OpenAPI and the version said: the next lookups ask again. */
  invalidate(): void {
    this.discovery.invalidate();
    this.openApi.invalidate();
    this.version = undefined;
  }
}
