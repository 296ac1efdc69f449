/**
 * The REST protocol of kube-apiserver over plain Node HTTP(S): discovery, CRUD for every kind
 * in kinds.ts and every established CRD, JSON Patch and merge patch, dry-run, resourceVersion
 * semantics, status subresources, label/field selectors and paged lists.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import jsonpatch from 'fast-json-patch';
import { BUILTIN_KINDS, groupVersionOf, resourceList, type SimKind } from './kinds.js';
import { Store } from './store.js';
import { ApiFailure, fail } from './status.js';
import { applyDefaults } from './defaults.js';
import { validateObject, validateUpdate } from './validation.js';
import { matchesFields, matchesLabels, parseLabelSelector } from './selectors.js';
import { crdEstablishedStatus, pendingStatus, settledStatus, type ControllerOptions } from './controllers.js';

type Obj = Record<string, any>;

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType?: string;
  status: number;
  verb: string;
  resource?: string;
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
}

export interface SimBehaviour {
  token: string;
  crdEstablishDelayMs: number;
  controller: ControllerOptions;
  forbidden: Array<{ verb?: string; resource?: string; namespace?: string }>;
}

interface Route {
  kind: SimKind;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export class SimApiServer {
  readonly store = new Store();
  readonly requests: RecordedRequest[] = [];
  private faults: Array<FaultSpec & { remaining: number }> = [];
  private readonly crdKinds = new Map<string, SimKind[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Open watches, each by the function that ends it. */
  private readonly watches = new Set<() => void>();
  private clusterIPs = 1;
  private stopped = false;

  constructor(private readonly behaviour: SimBehaviour) {
    // Namespaces every cluster has.
    for (const name of ['default', 'kube-system', 'kube-public']) {
      this.createObject(this.kindFor('', 'v1', 'namespaces') as SimKind, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, undefined, false);
    }
  }

  injectFault(fault: FaultSpec): void {
    this.faults.push({ ...fault, remaining: fault.count ?? 1 });
  }

  clearFaults(): void {
    this.faults = [];
  }

  stop(): void {
    this.stopped = true;
    for (const end of [...this.watches]) end();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://sim');
    const query = Object.fromEntries(url.searchParams.entries());
    const record: RecordedRequest = { method: request.method ?? 'GET', path: url.pathname, query, status: 0, verb: 'unknown' };
    const contentType = request.headers['content-type'];
    if (contentType) record.contentType = contentType;
    this.requests.push(record);
    const body = await readBody(request);
    this.classify(record, url);
    try {
      const fault = this.takeFault(record, url.pathname);
      if (fault?.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
      if (fault?.drop) {
        record.status = -1;
        request.socket.destroy();
        return;
      }
      if (fault?.status) throw fail.injected(fault.status, fault.retryAfterSeconds);
      if (request.headers.authorization !== `Bearer ${this.behaviour.token}`) throw fail.unauthorized();
      if (record.verb === 'watch') {
        this.serveWatch(record, url, request, response);
        return;
      }
      const { status, payload } = this.route(record, url, body, contentType ?? '');
      record.status = status;
      send(response, status, payload);
    } catch (error) {
      if (error instanceof ApiFailure) {
        record.status = error.code;
        send(response, error.code, error.body, error.headers);
        return;
      }
      record.status = 500;
      send(response, 500, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: String(error), reason: 'InternalError', code: 500 });
    }
  }

  // ---- watch --------------------------------------------------------------------------------

  /**
   * A watch as kube-apiserver streams it: one JSON event per line (ADDED, MODIFIED, DELETED),
   * starting after `resourceVersion` (or with ADDED for every object when it is unset or "0"),
   * ending after `timeoutSeconds`. A compacted resourceVersion gets a 200 and one ERROR event
   * with a 410 Expired Status: the client must list again.
   */
  private serveWatch(record: RecordedRequest, url: URL, request: IncomingMessage, response: ServerResponse): void {
    const route = this.parseRoute(url.pathname.split('/').filter(Boolean).map(decodeURIComponent));
    if (!route || route.name) throw fail.methodNotAllowed();
    this.checkForbidden('watch', route);
    const params = url.searchParams;
    const selector = parseLabelSelector(params.get('labelSelector') ?? '');
    const fieldSelector = params.get('fieldSelector');
    const wanted = (resource: { group: string; plural: string }, object: Obj) =>
      resource.group === route.kind.group &&
      resource.plural === route.kind.plural &&
      (route.namespace === undefined || object.metadata.namespace === route.namespace) &&
      matchesLabels(object, selector) &&
      matchesFields(object, fieldSelector);
    record.status = 200;
    response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    const write = (type: string, object: Obj) => response.write(`${JSON.stringify({ type, object: type === 'ERROR' ? object : this.serve(route.kind, object) })}\n`);
    const since = params.get('resourceVersion');
    if (!since || since === '0') {
      for (const object of this.store.list(route.kind, route.namespace)) if (wanted(route.kind, object)) write('ADDED', object);
    } else {
      const changes = this.store.changesSince(Number(since));
      if (!changes) {
        write('ERROR', fail.expired(Number(since), this.store.oldestWatchableRevision));
        response.end();
        return;
      }
      for (const change of changes) if (wanted(change.resource, change.object)) write(change.type, change.object);
    }
    const unsubscribe = this.store.subscribe((change) => {
      if (wanted(change.resource, change.object)) write(change.type, change.object);
    });
    const end = () => {
      unsubscribe();
      this.watches.delete(end);
      clearTimeout(timer);
      if (!response.writableEnded) response.end();
    };
    const timer = setTimeout(end, Number(params.get('timeoutSeconds') || 1800) * 1000);
    this.watches.add(end);
    request.on('close', end);
  }

  // ---- routing ------------------------------------------------------------------------------

  /** Names the verb and resource of a request up front, so even failed requests are counted. */
  private classify(record: RecordedRequest, url: URL): void {
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (url.pathname === '/version' || (segments[0] === 'api' && segments.length <= 2) || (segments[0] === 'apis' && segments.length <= 3)) {
      record.verb = 'discovery';
      return;
    }
    const route = this.parseRoute(segments);
    if (!route) return;
    record.resource = route.kind.plural;
    record.verb = verbOf(record.method, route, url.searchParams);
  }

  private route(record: RecordedRequest, url: URL, body: string, contentType: string): { status: number; payload: unknown } {
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = record.method;
    if (url.pathname === '/version') {
      record.verb = 'discovery';
      return { status: 200, payload: { major: '1', minor: '19', gitVersion: 'v1.19.16-ferry-sim', gitCommit: '', gitTreeState: 'clean', buildDate: '1970-01-01T00:00:00Z', goVersion: 'go1.15', compiler: 'gc', platform: 'linux/amd64' } };
    }
    if (segments[0] === 'api' && segments.length <= 2) {
      record.verb = 'discovery';
      if (segments.length === 1) return { status: 200, payload: { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }] } };
      if (segments[1] !== 'v1') throw fail.pageNotFound();
      return { status: 200, payload: resourceList('v1', this.kindsOf('', 'v1')) };
    }
    if (segments[0] === 'apis' && segments.length <= 3) {
      record.verb = 'discovery';
      if (segments.length === 1) return { status: 200, payload: this.groupList() };
      if (segments.length === 2) {
        const group = this.groupList().groups.find((g: Obj) => g.name === segments[1]);
        if (!group) throw fail.pageNotFound();
        return { status: 200, payload: { kind: 'APIGroup', apiVersion: 'v1', ...group } };
      }
      const kinds = this.kindsOf(segments[1] as string, segments[2] as string);
      if (kinds.length === 0) throw fail.pageNotFound();
      return { status: 200, payload: resourceList(`${segments[1]}/${segments[2]}`, kinds) };
    }
    const route = this.parseRoute(segments);
    if (!route) throw fail.pageNotFound();
    record.resource = route.kind.plural;
    const verb = verbOf(method, route, url.searchParams);
    record.verb = verb;
    this.checkForbidden(verb, route);
    const dryRun = url.searchParams.get('dryRun') === 'All';
    switch (verb) {
      case 'get':
        return { status: 200, payload: this.serve(route.kind, this.mustGet(route)) };
      case 'list':
        return { status: 200, payload: this.listObjects(route, url.searchParams) };
      case 'create':
        return { status: 201, payload: this.serve(route.kind, this.createObject(route.kind, parseJson(body), route.namespace, dryRun)) };
      case 'update':
        return { status: 200, payload: this.serve(route.kind, this.updateObject(route, parseJson(body), dryRun)) };
      case 'patch':
        return { status: 200, payload: this.serve(route.kind, this.patchObject(route, body, contentType, dryRun)) };
      case 'delete':
        return { status: 200, payload: this.deleteObject(route, dryRun) };
      default:
        throw fail.methodNotAllowed();
    }
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

  private kindFor(group: string, version: string, plural: string): SimKind | undefined {
    return this.kindsOf(group, version).find((kind) => kind.plural === plural);
  }

  private kindsOf(group: string, version: string): SimKind[] {
    const builtin = BUILTIN_KINDS.filter((kind) => kind.group === group && kind.version === version);
    return [...builtin, ...(this.crdKinds.get(`${group}/${version}`) ?? [])];
  }

  private groupList(): Obj {
    const versions = new Map<string, string[]>();
    const add = (group: string, version: string) => {
      if (!group) return;
      const list = versions.get(group) ?? [];
      if (!list.includes(version)) list.push(version);
      versions.set(group, list);
    };
    for (const kind of BUILTIN_KINDS) add(kind.group, kind.version);
    for (const kinds of this.crdKinds.values()) for (const kind of kinds) add(kind.group, kind.version);
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...versions.entries()].map(([name, list]) => ({
        name,
        versions: list.map((version) => ({ groupVersion: `${name}/${version}`, version })),
        preferredVersion: { groupVersion: `${name}/${list[0]}`, version: list[0] },
      })),
    };
  }

  private checkForbidden(verb: string, route: Route): void {
    const denied = this.behaviour.forbidden.some(
      (rule) =>
        (!rule.verb || rule.verb === verb) &&
        (!rule.resource || rule.resource === route.kind.plural) &&
        (!rule.namespace || rule.namespace === route.namespace),
    );
    if (denied) throw fail.forbidden(verb, route.kind, route.namespace);
  }

  private takeFault(record: RecordedRequest, path: string): FaultSpec | undefined {
    const index = this.faults.findIndex(
      (fault) =>
        fault.remaining > 0 &&
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

  // ---- operations ---------------------------------------------------------------------------

  private mustGet(route: Route): Obj {
    const object = this.store.get(route.kind, route.namespace, route.name as string);
    if (!object) throw fail.notFound(route.kind, route.name as string);
    return object;
  }

  private listObjects(route: Route, params: URLSearchParams): Obj {
    const selector = parseLabelSelector(params.get('labelSelector') ?? '');
    let items = this.store.list(route.kind, route.namespace).filter((object) => matchesLabels(object, selector) && matchesFields(object, params.get('fieldSelector')));
    const token = params.get('continue');
    if (token) {
      const start = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { start: string }).start;
      items = items.filter((object) => `${object.metadata.namespace ?? ''}/${object.metadata.name}` > start);
    }
    const limit = Number(params.get('limit') ?? 0);
    const metadata: Obj = { selfLink: selfLinkOf(route.kind, route.namespace), resourceVersion: this.store.currentResourceVersion };
    if (limit > 0 && items.length > limit) {
      const last = items[limit - 1] as Obj;
      metadata.continue = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(this.store.currentResourceVersion), start: `${last.metadata.namespace ?? ''}/${last.metadata.name}` })).toString('base64url');
      metadata.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
    }
    return {
      kind: `${route.kind.kind}List`,
      apiVersion: groupVersionOf(route.kind),
      metadata,
      items: items.map((object) => {
        const { apiVersion: _a, kind: _k, ...rest } = this.serve(route.kind, object);
        return rest;
      }),
    };
  }

  createObject(kind: SimKind, input: Obj, namespace: string | undefined, dryRun: boolean): Obj {
    const object = structuredClone(input);
    if (object.kind !== kind.kind) throw fail.badRequest(`the API version in the data (${object.apiVersion}) does not match the expected API version (${groupVersionOf(kind)})`);
    object.metadata ??= {};
    if (kind.namespaced) {
      if (object.metadata.namespace && object.metadata.namespace !== namespace) {
        throw fail.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      object.metadata.namespace = namespace;
    } else {
      delete object.metadata.namespace;
    }
    const causes = validateObject(object);
    if (causes.length > 0) throw fail.invalid(kind, object.metadata.name ?? '', causes);
    if (kind.namespaced && !this.store.get({ group: '', plural: 'namespaces' }, undefined, namespace as string)) throw fail.namespaceNotFound(namespace as string);
    if (this.store.get(kind, namespace, object.metadata.name)) throw fail.alreadyExists(kind, object.metadata.name);
    if (kind.kind === 'CustomResourceDefinition') this.validateCrd(kind, object);
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    object.metadata.selfLink = `${selfLinkOf(kind, namespace)}/${object.metadata.name}`;
    if (kind.generation) object.metadata.generation = 1;
    if (kind.statusSubresource) delete object.status;
    delete object.metadata.resourceVersion;
    applyDefaults(object, () => this.allocateClusterIP());
    this.applySchemaDefaults(kind, object);
    if (dryRun) return object;
    object.metadata.resourceVersion = this.store.nextResourceVersion();
    this.store.put(kind, object);
    this.afterWrite(kind, object, undefined);
    return object;
  }

  private updateObject(route: Route, input: Obj, dryRun: boolean): Obj {
    const current = this.mustGet(route);
    const incoming = structuredClone(input);
    if (incoming.metadata?.resourceVersion && incoming.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw fail.conflict(route.kind, route.name as string);
    }
    return this.write(route, current, incoming, dryRun);
  }

  private patchObject(route: Route, body: string, contentType: string, dryRun: boolean): Obj {
    const current = this.mustGet(route);
    const type = contentType.split(';')[0]?.trim();
    let next: Obj;
    if (type === 'application/json-patch+json') {
      const operations = parseJson(body) as unknown as jsonpatch.Operation[];
      try {
        next = jsonpatch.applyPatch(structuredClone(current), operations, true, false).newDocument as Obj;
      } catch {
        throw fail.patchRejected();
      }
    } else if (type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json') {
      next = mergePatch(structuredClone(current), parseJson(body)) as Obj;
    } else {
      throw fail.unsupportedMediaType(type ?? '');
    }
    if (next.metadata?.resourceVersion && next.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw fail.conflict(route.kind, route.name as string);
    }
    return this.write(route, current, next, dryRun);
  }

  /** The shared tail of update and patch: subresource rules, validation, defaults, versions. */
  private write(route: Route, current: Obj, incoming: Obj, dryRun: boolean): Obj {
    const kind = route.kind;
    let next: Obj;
    if (route.subresource === 'status') {
      next = { ...structuredClone(current), status: incoming.status };
    } else {
      next = incoming;
      next.apiVersion = current.apiVersion;
      next.kind = current.kind;
      if (kind.statusSubresource) next.status = structuredClone(current.status);
    }
    next.metadata = { ...next.metadata };
    for (const field of ['uid', 'creationTimestamp', 'selfLink', 'name', 'namespace', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
      if (current.metadata[field] === undefined) delete next.metadata[field];
      else next.metadata[field] = current.metadata[field];
    }
    const causes = [...validateObject(next), ...validateUpdate(current, next), ...validateFinalizers(current, next)];
    if (causes.length > 0) throw fail.invalid(kind, route.name as string, causes);
    applyDefaults(next, () => this.allocateClusterIP());
    this.applySchemaDefaults(kind, next);
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    const specChanged = !isDeepStrictEqual(withoutMetaAndStatus(current), withoutMetaAndStatus(next));
    if (kind.generation) next.metadata.generation = (current.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    if (isDeepStrictEqual(current, next)) return current;
    if (dryRun) return next;
    next.metadata.resourceVersion = this.store.nextResourceVersion();
    // The last finalizer of an object marked for deletion is gone: now it is deleted.
    if (next.metadata.deletionTimestamp && pendingFinalizers(next).length === 0) {
      this.store.remove(kind, next.metadata.namespace, next.metadata.name);
      return next;
    }
    this.store.put(kind, next);
    if (route.subresource !== 'status') this.afterWrite(kind, next, current);
    return next;
  }

  private deleteObject(route: Route, dryRun: boolean): Obj {
    const object = this.mustGet(route);
    const finalizers = pendingFinalizers(object);
    if (finalizers.length > 0) {
      // As the real server: the object is only marked for deletion (answered with its new state)
      // and stays until its finalizers are removed; a repeated delete changes nothing.
      if (object.metadata.deletionTimestamp) return this.serve(route.kind, object);
      const marked = { ...structuredClone(object), metadata: { ...structuredClone(object.metadata), finalizers, deletionTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), deletionGracePeriodSeconds: 0 } };
      if (dryRun) return this.serve(route.kind, marked);
      marked.metadata.resourceVersion = this.store.nextResourceVersion();
      this.store.put(route.kind, marked);
      return this.serve(route.kind, marked);
    }
    if (!dryRun) {
      this.store.remove(route.kind, route.namespace, route.name as string);
      if (route.kind.kind === 'Namespace') this.store.removeNamespace(route.name as string);
      if (route.kind.kind === 'CustomResourceDefinition') this.unregisterCrd(object);
    }
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: route.name, ...(route.kind.group ? { group: route.kind.group } : {}), kind: route.kind.plural, uid: object.metadata.uid },
    };
  }

  /** An object as served at the version of the request. */
  private serve(kind: SimKind, object: Obj): Obj {
    return { ...object, apiVersion: groupVersionOf(kind), kind: kind.kind };
  }

  // ---- controllers --------------------------------------------------------------------------

  private afterWrite(kind: SimKind, object: Obj, previous: Obj | undefined): void {
    if (kind.kind === 'CustomResourceDefinition' && !previous) {
      this.later(this.behaviour.crdEstablishDelayMs, () => this.establishCrd(object.metadata.name));
      return;
    }
    const specChanged = !previous || !isDeepStrictEqual(withoutMetaAndStatus(previous), withoutMetaAndStatus(object));
    if (!specChanged) return;
    const pending = pendingStatus(object);
    if (pending && kind.statusSubresource) object.status = pending;
    if (!settledStatus(object, false)) return;
    const generation = object.metadata.generation;
    this.later(this.behaviour.controller.delayMs, () => this.settle(kind, object.metadata.namespace, object.metadata.name, generation, false));
    if (kind.kind === 'Deployment') {
      const deadline = this.behaviour.controller.progressDeadlineMs ?? (object.spec?.progressDeadlineSeconds ?? 600) * 1000;
      this.later(deadline, () => this.settle(kind, object.metadata.namespace, object.metadata.name, generation, true));
    }
  }

  private settle(kind: SimKind, namespace: string | undefined, name: string, generation: number | undefined, deadlinePassed: boolean): void {
    const object = this.store.get(kind, namespace, name);
    if (!object || object.metadata.generation !== generation) return;
    const status = settledStatus(object, deadlinePassed);
    if (!status) return;
    if (isDeepStrictEqual(stripTimes(object.status), stripTimes(status))) return;
    const next = { ...object, status, metadata: { ...object.metadata, resourceVersion: this.store.nextResourceVersion() } };
    this.store.put(kind, next);
  }

  private later(ms: number, work: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) work();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  // ---- custom resources ---------------------------------------------------------------------

  private validateCrd(kind: SimKind, crd: Obj): void {
    const spec = crd.spec ?? {};
    const expected = `${spec.names?.plural}.${spec.group}`;
    if (crd.metadata.name !== expected) {
      throw fail.invalid(kind, crd.metadata.name, [{ reason: 'FieldValueInvalid', message: `Invalid value: "${crd.metadata.name}": must be spec.names.plural+"."+spec.group`, field: 'metadata.name' }]);
    }
  }

  private establishCrd(name: string): void {
    const crdKind = this.kindFor('apiextensions.k8s.io', 'v1', 'customresourcedefinitions') as SimKind;
    const crd = this.store.get(crdKind, undefined, name);
    if (!crd) return;
    const spec = crd.spec;
    for (const version of spec.versions ?? []) {
      if (version.served === false) continue;
      const key = `${spec.group}/${version.name}`;
      const kinds = (this.crdKinds.get(key) ?? []).filter((k) => k.plural !== spec.names.plural);
      kinds.push({
        group: spec.group,
        version: version.name,
        kind: spec.names.kind,
        plural: spec.names.plural,
        singular: spec.names.singular ?? String(spec.names.kind).toLowerCase(),
        namespaced: spec.scope !== 'Cluster',
        ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}),
        statusSubresource: Boolean(version.subresources?.status),
        generation: true,
      });
      this.crdKinds.set(key, kinds);
    }
    const next = { ...crd, status: crdEstablishedStatus(crd), metadata: { ...crd.metadata, resourceVersion: this.store.nextResourceVersion() } };
    this.store.put(crdKind, next);
  }

  private unregisterCrd(crd: Obj): void {
    const spec = crd.spec;
    for (const [key, kinds] of this.crdKinds) {
      const kept = kinds.filter((kind) => !(kind.group === spec.group && kind.plural === spec.names.plural));
      if (kept.length === 0) this.crdKinds.delete(key);
      else this.crdKinds.set(key, kept);
    }
    this.store.removeResource({ group: spec.group, plural: spec.names.plural });
  }

  /** Structural-schema `default`s of a custom resource's CRD, as the real server applies them. */
  private applySchemaDefaults(kind: SimKind, object: Obj): void {
    if (BUILTIN_KINDS.includes(kind)) return;
    const crd = this.store
      .list({ group: 'apiextensions.k8s.io', plural: 'customresourcedefinitions' })
      .find((c) => c.spec.group === kind.group && c.spec.names.plural === kind.plural);
    const version = crd?.spec.versions?.find((v: Obj) => v.name === kind.version);
    const schema = version?.schema?.openAPIV3Schema;
    if (schema) applySchemaDefaults(object, schema);
  }

  private allocateClusterIP(): string {
    const n = this.clusterIPs++;
    return `10.96.${Math.floor(n / 250)}.${(n % 250) + 1}`;
  }
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

function selfLinkOf(kind: SimKind, namespace: string | undefined): string {
  const root = kind.group ? `/apis/${kind.group}/${kind.version}` : `/api/${kind.version}`;
  return namespace ? `${root}/namespaces/${namespace}/${kind.plural}` : `${root}/${kind.plural}`;
}

function withoutMetaAndStatus(object: Obj): Obj {
  const { metadata: _m, status: _s, ...rest } = object;
  return rest;
}

function stripTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripTimes);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !/Time$|^startTime$|^completionTime$/.test(key))
        .map(([key, inner]) => [key, stripTimes(inner)]),
    );
  }
  return value;
}

function applySchemaDefaults(value: unknown, schema: Obj): void {
  if (!value || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applySchemaDefaults(item, schema.items);
    return;
  }
  for (const [key, property] of Object.entries((schema.properties ?? {}) as Record<string, Obj>)) {
    const record = value as Obj;
    if (record[key] === undefined && property.default !== undefined) record[key] = structuredClone(property.default);
    if (record[key] !== undefined) applySchemaDefaults(record[key], property);
  }
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const result: Obj = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Obj) } : {};
  for (const [key, value] of Object.entries(patch as Obj)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function parseJson(body: string): Obj {
  try {
    return JSON.parse(body) as Obj;
  } catch (error) {
    throw fail.badRequest(`the object provided is unrecognized: ${(error as Error).message}`);
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

function send(response: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  response.writeHead(status, { 'Content-Type': typeof payload === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...headers });
  response.end(text);
}

/**
 * Finalizers of controllers the simulator does not run are released at once: with no pods, no
 * claim or volume is in use, so kube-controller-manager would drop its protection right away.
 */
const RELEASED_AT_ONCE = new Set(['kubernetes.io/pvc-protection', 'kubernetes.io/pv-protection']);

/** The finalizers that still hold an object back from deletion. */
function pendingFinalizers(object: Obj): string[] {
  return ((object.metadata.finalizers ?? []) as string[]).filter((finalizer) => !RELEASED_AT_ONCE.has(finalizer));
}

/** The real server refuses new finalizers on an object that is being deleted. */
function validateFinalizers(current: Obj, next: Obj): Array<{ reason: string; message: string; field: string }> {
  if (!current.metadata.deletionTimestamp) return [];
  const before = new Set<string>(current.metadata.finalizers ?? []);
  const added = ((next.metadata.finalizers ?? []) as string[]).filter((finalizer) => !before.has(finalizer));
  if (added.length === 0) return [];
  return [{ reason: 'FieldValueForbidden', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => `"${f}"`).join(', ')}}`, field: 'metadata.finalizers' }];
}
