import type { KubeObject, ObjectRef } from '../objects.js';
import { formatRef } from '../objects.js';
import type { ApiCall, ApiResponse, Connection } from './connection.js';
import type { ApiResource, Discovery } from './discovery.js';
import { fieldProblemsIn, fieldValidationError, type FieldProblem } from './errors.js';
import { forbiddenAs, impersonationHeaders, type Identity } from './impersonation.js';
import { parseWarningHeaders, type WarningHandler } from './warnings.js';

/**
 * What every verb works with: the connection requests go through, the discovery that maps kinds
 * to resources, the namespace objects without one land in, and who the calls are made as.
 */
export interface VerbContext {
  readonly connection: Connection;
  readonly discovery: Discovery;
  readonly currentNamespace: string;
  /** Hears every warning of the server that is not turned into an error. */
  readonly onWarning: WarningHandler;
  /** Set on an impersonating view: every call is made as this identity. */
  readonly identity?: Identity | undefined;
}

/** The call as the context's identity makes it (impersonation headers added). */
export function asIdentity(context: VerbContext, call: ApiCall): ApiCall {
  return context.identity ? { ...call, headers: { ...call.headers, ...impersonationHeaders(context.identity) } } : call;
}

/** What to make of the warnings that come with an answer. */
export interface AnswerChecks {
  /** Unknown- and duplicate-field warnings become a FieldValidationError (Strict was asked). */
  strictFields?: boolean;
  /** Whether the call was a dry run (so a refused object was not stored). */
  dryRun?: boolean;
  /** Hears the other warnings instead of the context's handler. */
  onWarning?: WarningHandler;
}

/**
 * Sends one call through the context's connection and hands its warnings on: never lost, and
 * under strict field validation the server's unknown-field warnings (a server that ignores the
 * `fieldValidation` parameter but warns) are the same error a strict server answers with.
 */
export async function request(context: VerbContext, call: ApiCall, checks: AnswerChecks = {}): Promise<ApiResponse> {
  let response: ApiResponse;
  try {
    response = await context.connection.call(asIdentity(context, call));
  } catch (error) {
    throw forbiddenAs(error, context.identity, call.verb);
  }
  if (response.warnings.length === 0) return response;
  const subject = call.target.ref ? formatRef(call.target.ref) : call.target.what ?? `${call.method} ${call.path}`;
  const fields: FieldProblem[] = [];
  for (const warning of parseWarningHeaders(response.warnings)) {
    const problems = checks.strictFields ? fieldProblemsIn(warning.text) : [];
    if (problems.length > 0) fields.push(...problems);
    else (checks.onWarning ?? context.onWarning)({ ...warning, subject, verb: call.verb, ...(call.target.ref ? { ref: call.target.ref } : {}) });
  }
  if (fields.length > 0) throw fieldValidationError(subject, fields, { status: response.status, ref: call.target.ref, written: !checks.dryRun });
  return response;
}

/** The URL of a resource's collection: `/apis/apps/v1/namespaces/web/deployments`. */
export function collectionPath(resource: ApiResource, namespace: string | undefined): string {
  const root = resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  return namespace ? `${root}/namespaces/${encodeURIComponent(namespace)}/${resource.name}` : `${root}/${resource.name}`;
}

/** The URL of one object; a namespaced object without a namespace is in the current one. */
export function objectPath(context: VerbContext, resource: ApiResource, ref: ObjectRef): string {
  const namespace = resource.namespaced ? ref.namespace || context.currentNamespace : undefined;
  return `${collectionPath(resource, namespace)}/${encodeURIComponent(ref.name)}`;
}

/** The reference of an object as the server will file it: namespaced kinds get a namespace. */
export function resolvedRef(context: VerbContext, ref: ObjectRef, resource: ApiResource): ObjectRef {
  const resolved: ObjectRef = { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name };
  if (resource.namespaced) resolved.namespace = ref.namespace || context.currentNamespace;
  return resolved;
}

/** The reference of an object about to be written. */
export function refOfObject(context: VerbContext, object: KubeObject, resource: ApiResource): ObjectRef {
  return resolvedRef(context, { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}) }, resource);
}

/**
 * An object as a metadata-only answer should hold it: its own apiVersion and kind (not the
 * server's PartialObjectMetadata) and its metadata, whatever else a server that ignored the
 * metadata-only Accept header sent (a Secret's data).
 */
export function metadataOnly(object: KubeObject, resource: ApiResource): KubeObject {
  return { apiVersion: resource.apiVersion, kind: resource.kind, metadata: object.metadata };
}

/** List items (and some answers) come without apiVersion and kind: fill them in so every object stands alone. */
export function withKind(object: KubeObject, resource: ApiResource): KubeObject {
  if (object && typeof object === 'object' && (!object.kind || !object.apiVersion)) {
    return { ...object, apiVersion: resource.apiVersion, kind: resource.kind };
  }
  return object;
}
