/**
 * Creates, updates, patches and deletes, in the order kube-apiserver handles them: decode the
 * body (unknown and duplicate fields dropped, reported or refused as `fieldValidation` says),
 * admission (the namespace must exist), decoding defaults, the field manager, the storage layer's
 * own changes (allocated addresses, generated selectors, initial status), validation, and
 * finally the store, which a dry run never reaches.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import jsonpatch from 'fast-json-patch';
import { parse as parseYaml } from 'yaml';
import { now } from './clock.js';
import { applySchemaDefaults, validateCrd, validateTransitionRules, type CrdRegistry } from './crds.js';
import { applyDefaults, keepAllocatedValues, prepareForCreate, type Allocator } from './defaults.js';
import type { ServedKind } from './discovery.js';
import { dropUnknownFields, findDuplicateFields } from './fields.js';
import { groupVersionOf, type SimKind } from './kinds.js';
import { nextManagedFields, zeroObject, type ManagedFieldsEntry } from './managed-fields.js';
import { mergeApplied } from './apply.js';
import { builtinSchema, type SchemaView } from './schema.js';
import { goStringSlice } from './go-format.js';
import { ApiFailure, fail, type Cause } from './status.js';
import type { Store } from './store.js';
import type { UserInfo } from './rbac/index.js';
import { validateObject, validateUpdate } from './validation.js';
import type { FieldValidation, VersionProfile } from './versions.js';

type Obj = Record<string, any>;

/** Where a request points: a resource, and within it an object and a subresource. */
export interface Route {
  kind: ServedKind;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** What a write request says beyond its body. */
export interface WriteRequest {
  dryRun: boolean;
  fieldValidation: FieldValidation;
  /** The `fieldManager` parameter, or the User-Agent up to its first `/`. */
  manager: string;
  /** Whether `fieldManager` was given (server-side apply requires it). */
  managerNamed?: boolean;
  /** `Warning` header values the answer carries (filled in by the write). */
  warnings: string[];
  /** Who writes (after impersonation); undefined for the server's own writes. */
  user?: UserInfo;
}

/** A write as the storage layer's policy sees it, before validation (RBAC checks escalation here). */
export interface StoragePolicyCheck {
  kind: ServedKind;
  object: Obj;
  /** The stored object an update changes; undefined for a create. */
  previous: Obj | undefined;
  request: WriteRequest;
  /** The request's namespace and the object name in its URL (empty for a create). */
  namespace: string;
  requestName: string;
}

/** Called after every stored write, so controllers can react. */
export type AfterWrite = (kind: ServedKind, object: Obj, previous: Obj | undefined, request: WriteRequest | undefined) => void;

export class Writes {
  afterWrite: AfterWrite = () => undefined;
  /** Mutating admission: changes made after the field manager ran, which nobody owns. */
  admit: (kind: ServedKind, object: Obj) => void = () => undefined;
  /** The policy of a resource's own storage (RBAC's escalation check); throws to refuse the write. */
  storagePolicy: (check: StoragePolicyCheck) => void = () => undefined;

  constructor(
    private readonly profile: VersionProfile,
    private readonly store: Store,
    private readonly crds: CrdRegistry,
    private readonly allocate: Allocator,
  ) {}

  /** The schema objects of a kind are checked and pruned against; undefined when none was captured. */
  schemaOf(kind: ServedKind): SchemaView | undefined {
    if (!kind.custom) return builtinSchema(kind.group, kind.version, kind.kind, this.profile.version);
    return this.crds.schemaOf(this.crdOf(kind), kind);
  }

  crdOf(kind: SimKind): Obj | undefined {
    return this.store
      .list({ group: 'apiextensions.k8s.io', plural: 'customresourcedefinitions' })
      .find((crd) => crd.spec.group === kind.group && crd.spec.names.plural === kind.plural);
  }

  // ---- verbs ----------------------------------------------------------------------------------

  create(kind: ServedKind, body: string, namespace: string | undefined, request: WriteRequest): Obj {
    return this.createObject(kind, this.decode(kind, body, request), namespace, request);
  }

  update(route: Route, body: string, request: WriteRequest): Obj {
    const current = this.mustGet(route);
    const incoming = this.decode(route.kind, body, request);
    this.checkPolicy(route, incoming, current, request);
    if (incoming.metadata?.resourceVersion && incoming.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw fail.conflict(route.kind, route.name as string);
    }
    return this.write(route, current, incoming, request);
  }

  patch(route: Route, body: string, contentType: string, request: WriteRequest): Obj {
    const current = this.mustGet(route);
    const type = contentType.split(';')[0]?.trim();
    const served = this.serve(route.kind, current);
    let patched: Obj;
    if (type === 'application/json-patch+json') {
      const operations = parseJson(body) as unknown as jsonpatch.Operation[];
      try {
        patched = jsonpatch.applyPatch(structuredClone(served), operations, true, false).newDocument as Obj;
      } catch {
        throw fail.patchRejected();
      }
    } else if (type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json') {
      patched = mergePatch(structuredClone(served), parseJson(body)) as Obj;
    } else {
      throw fail.unsupportedMediaType(type ?? '');
    }
    const { value, unknown } = dropUnknownFields(patched, this.schemaOf(route.kind));
    this.judge(unknown.map((path) => `unknown field "${path}"`), request, (problems) => fail.strictPatch(JSON.stringify(patched), problems));
    const next = value as Obj;
    this.checkPolicy(route, next, current, request);
    if (next.metadata?.resourceVersion && next.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw fail.conflict(route.kind, route.name as string);
    }
    return this.write(route, current, next, request);
  }

  /**
   * Server-side apply (`application/apply-patch+yaml`): creates the object when it is missing;
   * otherwise merges the configuration into it, refusing to take fields another manager set to
   * a different value unless `force`, and removing the fields this manager applied before and
   * no longer sends.
   */
  apply(route: Route, body: string, force: boolean, request: WriteRequest): { object: Obj; created: boolean } {
    // The wording is the simulator's; the real server refuses an apply without a manager too.
    if (!request.managerNamed) throw fail.badRequest('fieldManager is required for apply requests');
    let input: Obj;
    try {
      input = parseYaml(body) as Obj;
    } catch (error) {
      throw fail.badRequest(`error decoding YAML: ${(error as Error).message}`);
    }
    const view = this.schemaOf(route.kind);
    const { value, unknown } = dropUnknownFields(input, view);
    this.judge(unknown.map((path) => `unknown field "${path}"`), request, (problems) => fail.strictDecoding(route.kind, problems));
    const applied = value as Obj;
    const current = this.store.get(route.kind, route.namespace, route.name as string);
    if (!current) {
      applied.metadata = { ...applied.metadata, name: route.name };
      return { object: this.createObject(route.kind, structuredClone(applied), route.namespace, request, { applied, requestName: route.name as string }), created: true };
    }
    const merged = mergeApplied(this.serve(route.kind, current), applied, view, request.manager, force);
    this.checkPolicy(route, merged, current, request);
    return { object: this.write(route, current, merged, request, { applied }), created: false };
  }

  /**
   * A delete. An object with finalizers is only marked (answered with its new state) and stays
   * until they are removed; a repeated delete changes nothing. Preconditions that do not match
   * the object (its uid, its resourceVersion) refuse the delete with 409, as kube-apiserver does.
   */
  remove(route: Route, dryRun: boolean, preconditions: { uid?: string; resourceVersion?: string } = {}): Obj {
    const object = this.mustGet(route);
    if ((preconditions.uid && preconditions.uid !== object.metadata.uid) || (preconditions.resourceVersion && preconditions.resourceVersion !== object.metadata.resourceVersion)) {
      throw fail.conflict(route.kind, route.name as string);
    }
    const finalizers = pendingFinalizers(object);
    if (finalizers.length > 0) {
      if (object.metadata.deletionTimestamp) return this.serve(route.kind, object);
      const marked = { ...structuredClone(object), metadata: { ...structuredClone(object.metadata), finalizers, deletionTimestamp: now(), deletionGracePeriodSeconds: 0 } };
      if (dryRun) return this.serve(route.kind, marked);
      marked.metadata.resourceVersion = this.store.nextResourceVersion();
      this.store.put(route.kind, marked);
      return this.serve(route.kind, marked);
    }
    if (!dryRun) {
      this.store.remove(route.kind, route.namespace, route.name as string);
      if (route.kind.kind === 'Namespace') this.store.removeNamespace(route.name as string);
      if (route.kind.kind === 'CustomResourceDefinition') {
        this.crds.unregister(object);
        this.store.removeResource({ group: object.spec.group, plural: object.spec.names.plural });
      }
    }
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: route.name, ...(route.kind.group ? { group: route.kind.group } : {}), kind: route.kind.plural, uid: object.metadata.uid },
    };
  }

  /**
   * A controller's write (as `manager`, through `subresource` when given), with managedFields and
   * a new resourceVersion; undefined when nothing changed (the server writes nothing then).
   */
  controllerWrite(kind: ServedKind, current: Obj, next: Obj, manager: string, subresource: string | undefined, operation: 'Update' | 'Apply' = 'Update'): Obj | undefined {
    const candidate = { ...next, metadata: { ...next.metadata, resourceVersion: current.metadata.resourceVersion } };
    setManagedFields(candidate, nextManagedFields(current.metadata.managedFields, current, candidate, this.schemaOf(kind), this.writeFor(kind, manager, subresource, operation), { zero: {} }));
    if (isDeepStrictEqual(current, candidate)) return undefined;
    candidate.metadata.resourceVersion = this.store.nextResourceVersion();
    this.store.put(kind, candidate);
    return candidate;
  }

  /** An object as served at the version of the request. */
  serve(kind: SimKind, object: Obj): Obj {
    return { ...object, apiVersion: groupVersionOf(kind), kind: kind.kind };
  }

  // ---- the steps ------------------------------------------------------------------------------

  /** The body as the decoder leaves it: unknown fields dropped, duplicates resolved to their last value. */
  private decode(kind: ServedKind, body: string, request: WriteRequest): Obj {
    const input = parseJson(body);
    const duplicates = this.profile.fieldValidation.honoured && request.fieldValidation !== 'Ignore' ? findDuplicateFields(body) : [];
    if (input.kind !== kind.kind) throw fail.badRequest(`the API version in the data (${input.apiVersion}) does not match the expected API version (${groupVersionOf(kind)})`);
    const { value, unknown } = dropUnknownFields(input, this.schemaOf(kind));
    // The decoder reports duplicates as it reads; pruning by schema reports unknown fields after.
    const problems = [...duplicates.map((path) => `duplicate field "${path}"`), ...unknown.map((path) => `unknown field "${path}"`)];
    this.judge(problems, request, (list) => fail.strictDecoding(kind, list));
    return value as Obj;
  }

  /** `Strict` refuses, `Warn` answers with one `Warning: 299` header per problem, `Ignore` (and 1.19) says nothing. */
  private judge(problems: string[], request: WriteRequest, refuse: (problems: string[]) => ApiFailure): void {
    if (problems.length === 0 || !this.profile.fieldValidation.honoured) return;
    if (request.fieldValidation === 'Strict') throw refuse(problems);
    if (request.fieldValidation === 'Warn') request.warnings.push(...problems.map((problem) => `299 - ${JSON.stringify(problem)}`));
  }

  private createObject(kind: ServedKind, input: Obj, namespace: string | undefined, request: WriteRequest, options: { applied?: Obj; requestName?: string } = {}): Obj {
    const object = input;
    object.apiVersion = groupVersionOf(kind);
    object.metadata ??= {};
    if (kind.namespaced) {
      if (object.metadata.namespace && object.metadata.namespace !== namespace) {
        throw fail.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      object.metadata.namespace = namespace;
      // Admission (NamespaceLifecycle) refuses before validation runs.
      if (!this.store.get({ group: '', plural: 'namespaces' }, undefined, namespace as string)) throw fail.namespaceNotFound(namespace as string);
    } else {
      delete object.metadata.namespace;
    }
    delete object.metadata.resourceVersion;
    delete object.metadata.managedFields;
    applyDefaults(object, this.profile.version);
    this.applyCustomDefaults(kind, object);
    const view = this.schemaOf(kind);
    setManagedFields(object, nextManagedFields(undefined, undefined, object, view, this.writeFor(kind, request.manager, undefined, options.applied ? 'Apply' : 'Update'), { zero: zeroObject(view, Boolean(kind.custom)), ...options }));
    object.metadata.uid = randomUUID();
    object.metadata.creationTimestamp = now();
    if (this.profile.selfLink) object.metadata.selfLink = `${selfLinkOf(kind, namespace)}/${object.metadata.name}`;
    if (kind.generation) object.metadata.generation = 1;
    if (kind.statusSubresource) delete object.status;
    this.admit(kind, object);
    this.storagePolicy({ kind, object, previous: undefined, request, namespace: namespace ?? '', requestName: options.requestName ?? '' });
    prepareForCreate(object, this.profile.version, this.allocate);
    const causes = validateObject(object, this.profile);
    if (causes.length > 0) throw fail.invalid(kind, object.metadata.name ?? '', causes);
    if (kind.kind === 'CustomResourceDefinition') validateCrd(kind, object);
    if (this.store.get(kind, namespace, object.metadata.name)) throw fail.alreadyExists(kind, object.metadata.name);
    if (request.dryRun) return object;
    object.metadata.resourceVersion = this.store.nextResourceVersion();
    this.store.put(kind, object);
    this.afterWrite(kind, object, undefined, request);
    return object;
  }

  /** The shared tail of update, patch and apply: subresource rules, defaults, managedFields, validation, versions. */
  private write(route: Route, current: Obj, incoming: Obj, request: WriteRequest, options: { applied?: Obj } = {}): Obj {
    const kind = route.kind;
    let next: Obj;
    if (route.subresource === 'status') {
      next = { ...structuredClone(current), status: incoming.status };
    } else {
      next = incoming;
      if (kind.statusSubresource) next.status = structuredClone(current.status);
    }
    next.apiVersion = current.apiVersion;
    next.kind = current.kind;
    next.metadata = { ...next.metadata };
    for (const field of ['uid', 'creationTimestamp', 'selfLink', 'name', 'namespace', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
      if (current.metadata[field] === undefined) delete next.metadata[field];
      else next.metadata[field] = current.metadata[field];
    }
    keepAllocatedValues(current, next, this.profile.version);
    applyDefaults(next, this.profile.version);
    this.applyCustomDefaults(kind, next);
    // A request that rewrites managedFields replaces them; otherwise they carry over.
    const base = next.metadata.managedFields !== undefined && !isDeepStrictEqual(next.metadata.managedFields, current.metadata.managedFields) ? next.metadata.managedFields : current.metadata.managedFields;
    const view = this.schemaOf(kind);
    setManagedFields(next, nextManagedFields(base, current, next, view, this.writeFor(kind, request.manager, route.subresource, options.applied ? 'Apply' : 'Update'), { zero: {}, ...options }));
    const causes = [...validateObject(next, this.profile), ...validateUpdate(current, next, this.profile), ...this.customTransitionCauses(kind, current, next), ...validateFinalizers(current, next)];
    if (causes.length > 0) throw fail.invalid(kind, route.name as string, causes);
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    const specChanged = !isDeepStrictEqual(withoutMetaAndStatus(current), withoutMetaAndStatus(next));
    if (kind.generation) next.metadata.generation = (current.metadata.generation ?? 1) + (specChanged ? 1 : 0);
    if (isDeepStrictEqual(current, next)) return current;
    if (request.dryRun) return next;
    next.metadata.resourceVersion = this.store.nextResourceVersion();
    // The last finalizer of an object marked for deletion is gone: now it is deleted.
    if (next.metadata.deletionTimestamp && pendingFinalizers(next).length === 0) {
      this.store.remove(kind, next.metadata.namespace, next.metadata.name);
      return next;
    }
    this.store.put(kind, next);
    if (route.subresource !== 'status') this.afterWrite(kind, next, current, request);
    return next;
  }

  private checkPolicy(route: Route, object: Obj, previous: Obj, request: WriteRequest): void {
    this.storagePolicy({ kind: route.kind, object, previous, request, namespace: route.namespace ?? '', requestName: route.name ?? '' });
  }

  private writeFor(kind: ServedKind, manager: string, subresource: string | undefined, operation: 'Update' | 'Apply' = 'Update') {
    return {
      manager,
      operation,
      apiVersion: groupVersionOf(kind),
      ...(subresource ? { subresource } : {}),
      statusSubresource: kind.statusSubresource && this.profile.resetFields,
      recordSubresource: this.profile.resetFields,
      time: now(),
    };
  }

  private applyCustomDefaults(kind: ServedKind, object: Obj): void {
    const schema = this.customOpenApiSchema(kind);
    if (schema) applySchemaDefaults(object, schema);
  }

  /** A custom resource's update against its CRD's immutability rules (never its status: that is a write of its own). */
  private customTransitionCauses(kind: ServedKind, current: Obj, next: Obj): Cause[] {
    const schema = this.customOpenApiSchema(kind);
    if (!schema) return [];
    const { status: _current, ...before } = current;
    const { status: _next, ...after } = next;
    return validateTransitionRules(before, after, schema);
  }

  private customOpenApiSchema(kind: ServedKind): Obj | undefined {
    if (!kind.custom) return undefined;
    const version = this.crdOf(kind)?.spec.versions?.find((v: Obj) => v.name === kind.version);
    return version?.schema?.openAPIV3Schema;
  }

  private mustGet(route: Route): Obj {
    const object = this.store.get(route.kind, route.namespace, route.name as string);
    if (!object) throw fail.notFound(route.kind, route.name as string);
    return object;
  }
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
function validateFinalizers(current: Obj, next: Obj): Cause[] {
  if (!current.metadata.deletionTimestamp) return [];
  const before = new Set<string>(current.metadata.finalizers ?? []);
  const added = ((next.metadata.finalizers ?? []) as string[]).filter((finalizer) => !before.has(finalizer));
  if (added.length === 0) return [];
  return [{ reason: 'FieldValueForbidden', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(added)}`, field: 'metadata.finalizers' }];
}

function setManagedFields(object: Obj, entries: ManagedFieldsEntry[] | undefined): void {
  if (entries && entries.length > 0) object.metadata.managedFields = entries;
  else delete object.metadata.managedFields;
}

export function selfLinkOf(kind: SimKind, namespace: string | undefined): string {
  const root = kind.group ? `/apis/${kind.group}/${kind.version}` : `/api/${kind.version}`;
  return namespace ? `${root}/namespaces/${namespace}/${kind.plural}` : `${root}/${kind.plural}`;
}

function withoutMetaAndStatus(object: Obj): Obj {
  const { metadata: _m, status: _s, ...rest } = object;
  return rest;
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

export function parseJson(body: string): Obj {
  try {
    return JSON.parse(body) as Obj;
  } catch (error) {
    throw fail.badRequest(`the object provided is unrecognized: ${(error as Error).message}`);
  }
}
