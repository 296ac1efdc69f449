import type { KubeObject, ObjectMeta } from '../objects.js';
import { collectionPath, metadataOnly, request, withKind, type VerbContext } from './context.js';
import type { ApiResource } from './discovery.js';
import { KubeApiError } from './errors.js';

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; `list` follows continue tokens until the end. */
  limit?: number;
}

/** One page of a list, with the token for the next and the version to watch from. */
export interface ListPage {
  items: KubeObject[];
  continue?: string;
  resourceVersion: string;
}

/** An object's metadata without its body (a Secret without its data), labelled with its own kind. */
export type ObjectMetadata = { apiVersion: string; kind: string; metadata: ObjectMeta };

/**
 * Asks for PartialObjectMetadataList (Kubernetes 1.15+): the server sends each item's metadata
 * only. Plain JSON last, so a server that cannot answers with the full list.
 */
const METADATA_LIST_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

/** Every object of one kind (in one namespace, or all), following continue tokens to the end. */
export async function listObjects(context: VerbContext, apiVersion: string, kind: string, options: ListOptions = {}): Promise<KubeObject[]> {
  const items: KubeObject[] = [];
  let token: string | undefined;
  do {
    const page = await listPage(context, apiVersion, kind, { ...options, ...(token ? { continue: token } : {}) });
    items.push(...page.items);
    token = page.continue;
  } while (token);
  return items;
}

/** One page of a list; with `metadataOnly`, each item is an ObjectMetadata (see listMetadata). */
export async function listPage(context: VerbContext, apiVersion: string, kind: string, options: ListOptions & { continue?: string; metadataOnly?: boolean } = {}): Promise<ListPage> {
  const resource = await context.discovery.resourceFor(apiVersion, kind);
  const { metadataOnly: _notAQueryParameter, ...query } = options;
  let list: RawList;
  try {
    list = await fetchPage(context, resource, kind, query, options.metadataOnly ? METADATA_LIST_ACCEPT : undefined);
  } catch (error) {
    // 406 Not Acceptable: this server lists full objects only; ask again for those (trimmed below).
    if (!(options.metadataOnly && error instanceof KubeApiError && error.status === 406)) throw error;
    list = await fetchPage(context, resource, kind, query, undefined);
  }
  const items = (list.items ?? []).map((item) => (options.metadataOnly ? metadataOnly(item, resource) : withKind(item, resource)));
  const next = list.metadata?.continue;
  return { items, ...(next ? { continue: next } : {}), resourceVersion: list.metadata?.resourceVersion ?? '' };
}

/**
 * The metadata of every object of one kind, without their bodies: names, labels, annotations,
 * versions of Secrets whose data may be large. Each item carries its own apiVersion and kind.
 * A server that cannot send metadata only (it answers the full list, or refuses with 406) still
 * gets the same answer, trimmed here.
 */
export async function listMetadata(context: VerbContext, apiVersion: string, kind: string, options: ListOptions = {}): Promise<ObjectMetadata[]> {
  const items: ObjectMetadata[] = [];
  let token: string | undefined;
  do {
    const page = await listPage(context, apiVersion, kind, { ...options, metadataOnly: true, ...(token ? { continue: token } : {}) });
    items.push(...page.items);
    token = page.continue;
  } while (token);
  return items;
}

type RawList = { kind?: string; items?: KubeObject[]; metadata?: { continue?: string; resourceVersion?: string } };

async function fetchPage(context: VerbContext, resource: ApiResource, kind: string, options: ListOptions & { continue?: string }, accept: string | undefined): Promise<RawList> {
  const { body } = await request(context, {
    method: 'GET',
    path: collectionPath(resource, resource.namespaced ? options.namespace : undefined),
    query: {
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      limit: options.limit === undefined ? undefined : String(options.limit),
      continue: options.continue,
    },
    ...(accept ? { accept } : {}),
    verb: 'list',
    resource: resource.name,
    idempotent: true,
    target: { what: `${kind} list${options.namespace ? ` in ${options.namespace}` : ''}` },
  });
  return body as RawList;
}
