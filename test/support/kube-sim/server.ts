/**
 * The REST protocol of kube-apiserver over plain Node HTTP(S): fault injection, request
 * accounting, authentication, impersonation and authorization (rbac/), and routing to discovery
 * (discovery.ts), OpenAPI (openapi.ts), reads (lists.ts, watch.ts) and writes (writes.ts). What the simulated cluster does on its own lives
 * in controllers.ts; what differs between Kubernetes versions in versions.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controllers, PROVISIONER, type ControllerOptions } from './controllers.js';
import { CrdRegistry } from './crds.js';
import { AGGREGATED_DISCOVERY, aggregatedDiscovery, apiGroup, apiVersions, groupList, resourceList, wantsAggregatedDiscovery, type ServedKind } from './discovery.js';
import { listObjects, partialObjectMetadata, representationOf } from './lists.js';
import { builtinDocuments, customDocument, documentPath, openApiIndex } from './openapi.js';
import { AGGREGATION_CONTROLLER, bootstrapPolicy, Rbac, type UserInfo } from './rbac/index.js';
import { ApiFailure, fail } from './status.js';
import { Store } from './store.js';
import type { FieldValidation, VersionProfile } from './versions.js';
import { serveWatch } from './watch.js';
import { Writes, type Route, type WriteRequest } from './writes.js';

type Obj = Record<string, any>;

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  /** What the client asked to be answered in (metadata only, aggregated discovery …). */
  accept?: string;
  status: number;
  verb: string;
  resource?: string;
  /** The user the request acted as (after impersonation); unset when it was refused before. */
  user?: string;
}

export interface FaultSpec {
  method?: string;
  /** Only requests of this verb (`list`, `watch`, `patch` …). */
  verb?: string;
  path?: string | RegExp;
  status?: number;
  count?: number;
  retryAfterSeconds?: number;
  latencyMs?: number;
  drop?: boolean;
  /**
   * Only requests authenticated as this user (before impersonation): with `drop` and a large
   * `count`, a client that is cut off from the cluster, or killed, as far as the API can tell.
   */
  caller?: string;
}

export interface SimBehaviour {
  profile: VersionProfile;
  controllers: ControllerOptions;
  forbidden: Array<{ verb?: string; resource?: string; namespace?: string }>;
  /** Whether requests without credentials are `system:anonymous` (true) or refused with 401. */
  anonymous: boolean;
}

interface Answer {
  status: number;
  payload: unknown;
  headers?: Record<string, string | string[]>;
}

const PARTIAL_METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
const PARTIAL_METADATA = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

export class SimApiServer {
  readonly store = new Store();
  readonly requests: RecordedRequest[] = [];
  private readonly answerListeners = new Set<(request: RecordedRequest) => void>();
  readonly crds: CrdRegistry;
  readonly writes: Writes;
  readonly rbac: Rbac;
  private readonly controllers: Controllers;
  private readonly profile: VersionProfile;
  private faults: Array<FaultSpec & { remaining: number }> = [];
  /** Open watches, each by the function that ends it. */
  private readonly watches = new Set<() => void>();
  private stopAggregation: () => void = () => undefined;
  private clusterIPs = 1;
  private nodePorts = 0;

  constructor(private readonly behaviour: SimBehaviour) {
    this.profile = behaviour.profile;
    this.crds = new CrdRegistry(this.profile.version);
    this.writes = new Writes(this.profile, this.store, this.crds, {
      clusterIP: () => {
        const n = this.clusterIPs++;
        return `10.96.${Math.floor(n / 250)}.${(n % 250) + 1}`;
      },
      nodePort: () => 30000 + (this.nodePorts++ % 2768),
    });
    this.controllers = new Controllers(this.profile, this.store, this.writes, this.crds, (group, plural) => this.kindsServed().find((k) => k.group === group && k.plural === plural), behaviour.controllers);
    this.writes.afterWrite = (kind, object, previous) => this.controllers.onWrite(kind, object, previous);
    this.writes.admit = (kind, object) => {
      if (kind.kind === 'PersistentVolumeClaim') this.controllers.admitClaim(object);
    };
    this.rbac = new Rbac(this.store, {
      anonymous: behaviour.anonymous,
      impersonateUid: this.profile.version !== '1.19',
      denied: (attributes) =>
        behaviour.forbidden.some((rule) => (!rule.verb || rule.verb === attributes.verb) && (!rule.resource || rule.resource === attributes.resource) && (!rule.namespace || rule.namespace === attributes.namespace)),
    });
    this.writes.storagePolicy = ({ kind, object, previous, request, namespace, requestName }) => {
      if (kind.group === 'rbac.authorization.k8s.io') this.rbac.checkWrite({ user: request.user, resource: kind.plural, namespace, requestName, object, previous });
    };
    this.seed();
  }

  /** What every cluster has before a test starts: its namespaces, and the configured storage classes. */
  private seed(): void {
    const system: WriteRequest = { dryRun: false, fieldValidation: 'Ignore', manager: 'kube-apiserver', warnings: [] };
    const namespaces = this.kindFor('', 'v1', 'namespaces') as ServedKind;
    for (const name of ['default', 'kube-system', 'kube-public']) this.writes.create(namespaces, JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }), undefined, system);
    const storageClasses = this.kindFor('storage.k8s.io', 'v1', 'storageclasses') as ServedKind;
    for (const storageClass of this.behaviour.controllers.storageClasses) {
      const object = {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: storageClass.name, ...(storageClass.default ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) },
        provisioner: PROVISIONER,
        reclaimPolicy: 'Delete',
        volumeBindingMode: storageClass.volumeBindingMode ?? 'Immediate',
      };
      this.writes.create(storageClasses, JSON.stringify(object), undefined, system);
    }
    for (const object of bootstrapPolicy()) {
      const [group, version] = (object.apiVersion as string).split('/') as [string, string];
      this.writes.create(this.kindFor(group, version, `${String(object.kind).toLowerCase()}s`) as ServedKind, JSON.stringify(object), undefined, system);
    }
    const clusterRoles = this.kindFor('rbac.authorization.k8s.io', 'v1', 'clusterroles') as ServedKind;
    // Since 1.21 the controller writes aggregated rules with a forced server-side apply.
    const operation = this.profile.version === '1.19' ? 'Update' : 'Apply';
    this.stopAggregation = this.rbac.startAggregation((role, rules) => void this.writes.controllerWrite(clusterRoles, role, { ...role, rules }, AGGREGATION_CONTROLLER, undefined, operation));
  }

  injectFault(fault: FaultSpec): void {
    this.faults.push({ ...fault, remaining: fault.count ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  /**
   * Hears each request as its answer is decided, before the answer is sent: what the listener
   * does (inject a fault) holds for every later request, the asker's next one included.
   */
  onAnswer(listener: (request: RecordedRequest) => void): () => void {
    this.answerListeners.add(listener);
    return () => this.answerListeners.delete(listener);
  }

  private answered(record: RecordedRequest): void {
    for (const listener of [...this.answerListeners]) listener(record);
  }

  stop(): void {
    this.stopAggregation();
    for (const end of [...this.watches]) end();
    this.controllers.stop();
  }

  /** The kinds served now: the version's built-in kinds and those of Established CRDs. */
  kindsServed(): ServedKind[] {
    return [...this.profile.kinds, ...this.crds.all()];
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://sim');
    const query = Object.fromEntries(url.searchParams.entries());
    const record: RecordedRequest = { method: request.method ?? 'GET', path: url.pathname, query, status: 0, verb: 'unknown' };
    const contentType = request.headers['content-type'];
    if (contentType) record.contentType = contentType;
    if (request.headers.accept) record.accept = request.headers.accept;
    this.requests.push(record);
    const body = await readBody(request);
    this.classify(record, url);
    try {
      const fault = this.takeFault(record, url.pathname, request.headers.authorization);
      if (fault?.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
      if (fault?.drop) {
        record.status = -1;
        request.socket.destroy();
        return;
      }
      if (fault?.status) throw fail.injected(fault.status, fault.retryAfterSeconds);
      // As the real filter chain: authentication, impersonation, authorization, then the handler.
      const user = this.rbac.identify(request.headers.authorization, request.rawHeaders, request.url ?? '/');
      record.user = user.name;
      this.rbac.require(user, record.method, url.pathname, url.searchParams);
      if (record.verb === 'watch') {
        const route = this.routeOf(url.pathname);
        if (route.name) throw fail.methodNotAllowed();
        record.status = 200;
        serveWatch(this.store, route, url.searchParams, request, response, {
          serve: (object) => this.writes.serve(route.kind, object),
          representation: representationOf(request.headers.accept),
          track: (end) => {
            this.watches.add(end);
            return () => this.watches.delete(end);
          },
        });
        return;
      }
      const answer = this.route(record, url, request, body, contentType ?? '', user);
      record.status = answer.status;
      this.answered(record);
      send(response, answer.status, answer.payload, answer.headers);
    } catch (error) {
      if (error instanceof ApiFailure) {
        record.status = error.code;
        this.answered(record);
        send(response, error.code, error.body, error.headers);
        return;
      }
      record.status = 500;
      send(response, 500, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: String(error), reason: 'InternalError', code: 500 });
    }
  }

  // ---- routing ------------------------------------------------------------------------------

  /** Names the verb and resource of a request up front, so even failed requests are counted. */
  private classify(record: RecordedRequest, url: URL): void {
    const segments = segmentsOf(url.pathname);
    if (url.pathname === '/version' || segments[0] === 'openapi' || (segments[0] === 'api' && segments.length <= 2) || (segments[0] === 'apis' && segments.length <= 3)) {
      record.verb = 'discovery';
      return;
    }
    const route = this.parseRoute(segments);
    if (!route) return;
    record.resource = route.kind.plural;
    record.verb = verbOf(record.method, route, url.searchParams);
  }

  private route(record: RecordedRequest, url: URL, request: IncomingMessage, body: string, contentType: string, user: UserInfo): Answer {
    const segments = segmentsOf(url.pathname);
    const accept = request.headers.accept;
    if (url.pathname === '/version') return { status: 200, payload: this.profile.info };
    if (segments[0] === 'openapi') return this.openApi(segments);
    if (segments[0] === 'api' && segments.length <= 2) {
      if (segments.length === 1) {
        if (this.profile.aggregatedDiscovery && wantsAggregatedDiscovery(accept)) return aggregated(aggregatedDiscovery(this.kindsServed(), true));
        return { status: 200, payload: apiVersions() };
      }
      if (segments[1] !== 'v1') throw this.notServed();
      return { status: 200, payload: resourceList(this.profile, 'v1', this.kindsOf('', 'v1')) };
    }
    if (segments[0] === 'apis' && segments.length <= 3) {
      if (segments.length === 1) {
        if (this.profile.aggregatedDiscovery && wantsAggregatedDiscovery(accept)) return aggregated(aggregatedDiscovery(this.kindsServed(), false));
        return { status: 200, payload: groupList(this.kindsServed()) };
      }
      if (segments.length === 2) {
        const group = apiGroup(this.kindsServed(), segments[1] as string);
        if (!group) throw this.notServed();
        return { status: 200, payload: group };
      }
      const kinds = this.kindsOf(segments[1] as string, segments[2] as string);
      if (kinds.length === 0) throw this.notServed();
      return { status: 200, payload: resourceList(this.profile, `${segments[1]}/${segments[2]}`, kinds) };
    }
    const route = this.routeOf(url.pathname);
    const verb = verbOf(record.method, route, url.searchParams);
    const params = url.searchParams;
    const representation = representationOf(accept);
    switch (verb) {
      case 'get': {
        const object = this.store.get(route.kind, route.namespace, route.name as string);
        if (!object) throw fail.notFound(route.kind, route.name as string);
        if (representation === 'metadata') return { status: 200, payload: partialObjectMetadata(object), headers: { 'Content-Type': PARTIAL_METADATA } };
        return { status: 200, payload: this.writes.serve(route.kind, object) };
      }
      case 'list': {
        const { list, items } = listObjects(this.store, route.kind, route.namespace, params, (object) => this.writes.serve(route.kind, object), { representation, selfLink: this.profile.selfLink });
        this.controllers.onList(route.kind, items);
        return { status: 200, payload: list, ...(representation === 'metadata' ? { headers: { 'Content-Type': PARTIAL_METADATA_LIST } } : {}) };
      }
      case 'create': {
        const write = this.writeRequest(params, request, user);
        const created = this.writes.create(route.kind, body, route.namespace, write);
        return withWarnings(201, this.writes.serve(route.kind, created), write);
      }
      case 'update': {
        const write = this.writeRequest(params, request, user);
        return withWarnings(200, this.writes.serve(route.kind, this.writes.update(route, body, write)), write);
      }
      case 'patch': {
        const write = this.writeRequest(params, request, user);
        if (contentType.split(';')[0]?.trim() === 'application/apply-patch+yaml') {
          const { object, created } = this.writes.apply(route, body, params.get('force') === 'true', write);
          return withWarnings(created ? 201 : 200, this.writes.serve(route.kind, object), write);
        }
        return withWarnings(200, this.writes.serve(route.kind, this.writes.patch(route, body, contentType, write)), write);
      }
      case 'delete':
        return { status: 200, payload: this.writes.remove(route, params.get('dryRun') === 'All', deletePreconditions(body)) };
      default:
        throw fail.methodNotAllowed();
    }
  }

  /** What a write request asks for: dry run, field validation, and who the writer is. */
  private writeRequest(params: URLSearchParams, request: IncomingMessage, user: UserInfo): WriteRequest {
    const asked = params.get('fieldValidation');
    const fieldValidation: FieldValidation = this.profile.fieldValidation.honoured && (asked === 'Strict' || asked === 'Warn' || asked === 'Ignore') ? asked : this.profile.fieldValidation.default;
    const userAgent = String(request.headers['user-agent'] ?? '');
    // The manager is the fieldManager parameter, or the User-Agent up to its first '/'.
    const manager = params.get('fieldManager') ?? (userAgent.split('/')[0] || 'unknown');
    return { dryRun: params.get('dryRun') === 'All', fieldValidation, manager, managerNamed: Boolean(params.get('fieldManager')), warnings: [], user };
  }

  private openApi(segments: string[]): Answer {
    if (!this.profile.openApiV3 || segments[1] !== 'v3') throw fail.pageNotFound();
    const documents = this.openApiDocuments();
    if (segments.length === 2) return { status: 200, payload: openApiIndex(documents) };
    const document = documents.get(segments.slice(2).join('/'));
    if (!document) throw fail.pageNotFound();
    return { status: 200, payload: document };
  }

  private openApiDocuments(): Map<string, Obj> {
    const documents = builtinDocuments(this.profile.kinds);
    const custom = new Map<string, Array<{ kind: ServedKind; schema: Obj }>>();
    for (const kind of this.crds.all()) {
      const version = this.writes.crdOf(kind)?.spec.versions?.find((v: Obj) => v.name === kind.version);
      const schema = version?.schema?.openAPIV3Schema;
      if (!schema) continue;
      const path = documentPath(kind.group, kind.version);
      custom.set(path, [...(custom.get(path) ?? []), { kind, schema }]);
    }
    for (const [path, kinds] of custom) {
      const first = kinds[0]?.kind as ServedKind;
      documents.set(path, customDocument(first.group, first.version, kinds));
    }
    return documents;
  }

  /** The route of a resource request; 404 when its group version or resource is not served. */
  private routeOf(pathname: string): Route {
    const segments = segmentsOf(pathname);
    const route = this.parseRoute(segments);
    if (route) return route;
    const [root, first, second] = segments;
    const served = root === 'api' ? this.kindsOf('', first ?? '').length > 0 : root === 'apis' && this.kindsOf(first ?? '', second ?? '').length > 0;
    throw served ? fail.pageNotFound() : this.notServed();
  }

  private notServed(): ApiFailure {
    return this.profile.unservedGroupVersion === 'status' ? fail.notServed() : fail.pageNotFound();
  }

  private parseRoute(segments: string[]): Route | undefined {
    let group: string;
    let version: string;
    let rest: string[];
    if (segments[0] === 'api') {
      group = '';
      version = segments[1] ?? '';
      rest = segments.slice(2);
    } else if (segments[0] === 'apis') {
      group = segments[1] ?? '';
      version = segments[2] ?? '';
      rest = segments.slice(3);
    } else {
      return undefined;
    }
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const kind = this.kindFor(group, version, rest[2] as string);
      if (kind?.namespaced) return { kind, namespace: rest[1] as string, ...(rest[3] ? { name: rest[3] } : {}), ...(rest[4] ? { subresource: rest[4] } : {}) };
    }
    const kind = this.kindFor(group, version, rest[0] ?? '');
    if (!kind) return undefined;
    if (kind.namespaced && rest.length > 1 && kind.plural !== 'namespaces') return undefined;
    return { kind, ...(rest[1] ? { name: rest[1] } : {}), ...(rest[2] ? { subresource: rest[2] } : {}) };
  }

  kindFor(group: string, version: string, plural: string): ServedKind | undefined {
    return this.kindsOf(group, version).find((kind) => kind.plural === plural);
  }

  private kindsOf(group: string, version: string): ServedKind[] {
    const builtin = this.profile.kinds.filter((kind) => kind.group === group && kind.version === version);
    return [...builtin, ...this.crds.kindsOf(group, version)];
  }

  private takeFault(record: RecordedRequest, path: string, authorization: string | undefined): FaultSpec | undefined {
    const index = this.faults.findIndex(
      (fault) =>
        fault.remaining > 0 &&
        (!fault.caller || fault.caller === this.rbac.authenticator.authenticate(authorization)?.name) &&
        (!fault.method || fault.method === record.method) &&
        (!fault.verb || fault.verb === record.verb) &&
        (!fault.path || (typeof fault.path === 'string' ? path.startsWith(fault.path) : fault.path.test(path))),
    );
    if (index === -1) return undefined;
    const fault = this.faults[index] as FaultSpec & { remaining: number };
    fault.remaining -= 1;
    if (fault.remaining === 0) this.faults.splice(index, 1);
    return fault;
  }
}

function segmentsOf(pathname: string): string[] {
  return pathname.split('/').filter(Boolean).map(decodeURIComponent);
}

function aggregated(payload: Obj): Answer {
  return { status: 200, payload, headers: { 'Content-Type': AGGREGATED_DISCOVERY } };
}

function withWarnings(status: number, payload: Obj, write: WriteRequest): Answer {
  return { status, payload, ...(write.warnings.length > 0 ? { headers: { Warning: write.warnings } } : {}) };
}

function verbOf(method: string, route: Route, params: URLSearchParams): string {
  switch (method) {
    case 'GET':
      if (params.get('watch') === 'true' || params.get('watch') === '1') return 'watch';
      return route.name ? 'get' : 'list';
    case 'POST':
      return route.name ? 'unknown' : 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return route.name ? 'delete' : 'deletecollection';
    default:
      return 'unknown';
  }
}

/** The `preconditions` of a DeleteOptions body (uid, resourceVersion), as kube-apiserver reads them. */
function deletePreconditions(body: string): { uid?: string; resourceVersion?: string } {
  if (!body.trim()) return {};
  try {
    const options = JSON.parse(body) as { preconditions?: { uid?: string; resourceVersion?: string } };
    return options.preconditions ?? {};
  } catch {
    return {};
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, payload: unknown, headers: Record<string, string | string[]> = {}): void {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  response.writeHead(status, { 'Content-Type': typeof payload === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...headers });
  response.end(text);
}
