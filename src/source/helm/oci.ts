import { createHash } from 'node:crypto';
import { stripUrlCredentials } from '../../log/index.js';
import { AuthenticationError, RefNotFoundError, RepositoryNotFoundError, SourceError, SourceUnreachableError } from '../errors.js';
import { basicAuth, httpGet, type HttpAnswer, type HttpOptions } from './http.js';
import type { ChartCredentials } from './types.js';

/** The media types of a Helm chart in an OCI registry (what `helm push` writes). */
const HELM_CONFIG = 'application/vnd.cncf.helm.config.v1+json';
const HELM_CONTENT = ['application/vnd.cncf.helm.chart.content.v1.tar+gzip', 'application/tar+gzip'];
const MANIFEST_TYPES = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

/** A chart as an OCI registry holds it: the manifest's digest, and the archive it points at. */
export interface OciChart {
  /** `sha256:…` of the manifest: what `helm push` prints and what pins the chart. */
  digest: string;
  archive: Buffer;
}

/**
 * A read-only client of one repository of an OCI registry (Docker registry HTTP API v2), speaking
 * the token handshake every hosted registry uses: a 401 names a token service, which hands out a
 * pull token for the repository (for the Secret's username and password, or anonymously); a
 * `Basic` challenge gets the credentials directly; a `bearerToken` is sent as it is.
 */
export class OciRepository {
  private readonly base: string;
  private readonly name: string;
  private token: string | undefined;

  /** `repository` is `oci://host[:port]/path`, `chart` the last path segment (helm's layout). */
  constructor(
    repository: string,
    chart: string,
    private readonly credentials: ChartCredentials,
    private readonly options: { plainHttp: boolean; timeoutMs?: number; signal?: AbortSignal },
  ) {
    const url = new URL(repository.replace(/^oci:\/\//, 'https://'));
    this.base = `${options.plainHttp ? 'http' : 'https'}://${url.host}`;
    this.name = `${url.pathname.replace(/^\/+|\/+$/g, '')}/${chart}`.replace(/^\//, '');
    this.token = credentials.bearerToken;
  }

  /** `oci://host/path/chart`, for messages. */
  get shown(): string {
    return `oci://${new URL(this.base).host}/${this.name}`;
  }

  /** Every tag of the repository, following the registry's pagination. */
  async tags(): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${this.name}/tags/list?n=1000`;
    while (path) {
      const answer = await this.get(path, {});
      const body = JSON.parse(answer.body.toString('utf8')) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      const next = /<([^>]+)>;\s*rel="?next"?/.exec(String(answer.headers.link ?? ''))?.[1];
      path = next ? new URL(next, this.base).pathname + new URL(next, this.base).search : undefined;
    }
    return tags;
  }

  /** The chart under `tag`: its manifest digest and its archive, checked against the digests the manifest names. */
  async pull(tag: string): Promise<OciChart> {
    const answer = await this.get(`/v2/${this.name}/manifests/${encodeURIComponent(tag)}`, { Accept: MANIFEST_TYPES });
    const digest = `sha256:${createHash('sha256').update(answer.body).digest('hex')}`;
    const announced = answer.headers['docker-content-digest'];
    if (typeof announced === 'string' && announced.startsWith('sha256:') && announced !== digest) {
      throw new SourceError('SOURCE_DIGEST_MISMATCH', `${this.shown}:${tag}: the manifest's digest is ${digest}, not the ${announced} the registry announced`);
    }
    const manifest = JSON.parse(answer.body.toString('utf8')) as { config?: { mediaType?: string }; layers?: Array<{ mediaType?: string; digest?: string }> };
    if (manifest.config?.mediaType !== HELM_CONFIG) {
      throw new SourceError('SOURCE_NOT_A_CHART', `${this.shown}:${tag} is not a Helm chart (config media type ${manifest.config?.mediaType ?? 'none'})`);
    }
    const layer = manifest.layers?.find((entry) => HELM_CONTENT.includes(entry.mediaType ?? ''));
    if (!layer?.digest?.startsWith('sha256:')) throw new SourceError('SOURCE_NOT_A_CHART', `${this.shown}:${tag} has no chart content layer`);
    const blob = await this.get(`/v2/${this.name}/blobs/${layer.digest}`, {});
    const actual = `sha256:${createHash('sha256').update(blob.body).digest('hex')}`;
    if (actual !== layer.digest) throw new SourceError('SOURCE_DIGEST_MISMATCH', `${this.shown}:${tag}: the chart archive's digest is ${actual}, not the ${layer.digest} its manifest names`);
    return { digest, archive: blob.body };
  }

  private async get(path: string, headers: Record<string, string>, retried = false): Promise<HttpAnswer> {
    const options: HttpOptions = {
      headers: { ...headers, ...(this.token ? { Authorization: `Bearer ${this.token}` } : this.basic ? { Authorization: this.basic } : {}) },
      ...(this.credentials.caCert ? { ca: this.credentials.caCert } : {}),
      ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}),
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    };
    const answer = await httpGet(`${this.base}${path}`, options);
    if (answer.status === 401 && !retried) {
      await this.authenticate(String(answer.headers['www-authenticate'] ?? ''));
      return this.get(path, headers, true);
    }
    if (answer.status === 401 || answer.status === 403) {
      throw new AuthenticationError('SOURCE_AUTH_FAILED', `${this.shown}: the registry refused ${this.credentials.username || this.credentials.bearerToken ? 'the credentials of the Secret' : 'anonymous access (name a Secret with username and password)'} (HTTP ${answer.status})`);
    }
    if (answer.status === 404) {
      const what = path.includes('/tags/list') ? `${this.shown}: no such repository in the registry` : `${this.shown}: ${decodeURIComponent(path.split('/').pop() ?? '')} not found`;
      throw (path.includes('/tags/list') ? new RepositoryNotFoundError('SOURCE_NOT_FOUND', what) : new RefNotFoundError('SOURCE_VERSION_NOT_FOUND', what));
    }
    if (answer.status >= 300) throw new SourceUnreachableError('SOURCE_UNREACHABLE', `${stripUrlCredentials(answer.url)}: HTTP ${answer.status}`);
    return answer;
  }

  /** Credentials as Basic, when the Secret has a username and password. */
  private get basic(): string | undefined {
    const { username, password } = this.credentials;
    return username && password ? basicAuth(username, password) : undefined;
  }

  /** Answers a 401's challenge: a pull token from the token service it names, or Basic credentials. */
  private async authenticate(challenge: string): Promise<void> {
    const scheme = /^(\w+)\s*/.exec(challenge)?.[1]?.toLowerCase();
    if (scheme !== 'bearer') {
      if (!this.basic) throw new AuthenticationError('SOURCE_AUTH_FAILED', `${this.shown}: the registry wants credentials; name a Secret with username and password`);
      this.token = undefined;
      return;
    }
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]));
    if (!params.realm) throw new AuthenticationError('SOURCE_AUTH_FAILED', `${this.shown}: the registry's challenge names no token service`);
    const realm = new URL(params.realm);
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', params.scope ?? `repository:${this.name}:pull`);
    const answer = await httpGet(realm.toString(), {
      headers: this.basic ? { Authorization: this.basic } : {},
      ...(this.credentials.caCert ? { ca: this.credentials.caCert } : {}),
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
    if (answer.status === 401 || answer.status === 403) throw new AuthenticationError('SOURCE_AUTH_FAILED', `${this.shown}: the registry's token service refused ${this.basic ? 'the credentials of the Secret' : 'anonymous access (name a Secret with username and password)'} (HTTP ${answer.status})`);
    if (answer.status >= 300) throw new SourceUnreachableError('SOURCE_UNREACHABLE', `${stripUrlCredentials(realm.origin + realm.pathname)}: HTTP ${answer.status}`);
    const body = JSON.parse(answer.body.toString('utf8')) as { token?: string; access_token?: string };
    this.token = body.token ?? body.access_token;
    if (!this.token) throw new AuthenticationError('SOURCE_AUTH_FAILED', `${this.shown}: the token service answered without a token`);
  }
}

/** helm pushes `1.2.3+build` as the tag `1.2.3_build` (`+` is not allowed in tags): the version a tag stands for. */
export function versionOfTag(tag: string): string {
  return tag.replace(/_/g, '+');
}

export function tagOfVersion(version: string): string {
  return version.replace(/\+/g, '_');
}
