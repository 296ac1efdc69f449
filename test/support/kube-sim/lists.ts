/**
 * Lists as the server pages and filters them: label and field selectors, `limit` with a
 * `continue` token, and metadata-only answers for clients that ask for
 * `application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`.
 */
import type { ServedKind } from './discovery.js';
import { groupVersionOf } from './kinds.js';
import { matchesFields, matchesLabels, parseLabelSelector } from './selectors.js';
import type { Store } from './store.js';
import { selfLinkOf } from './writes.js';

type Obj = Record<string, any>;

/** What the Accept header asks a GET to answer with. */
export type Representation = 'object' | 'metadata';

/**
 * `as=PartialObjectMetadata(List);g=meta.k8s.io;v=v1` asks for metadata only (the apiserver's
 * `asPartialObjectMetadataList`; not in the fixtures).
 */
export function representationOf(accept: string | undefined): Representation {
  const wanted = (accept ?? '').split(',').some((part) => {
    const parameters = part.split(';').map((p) => p.trim());
    return parameters.includes('g=meta.k8s.io') && parameters.includes('v=v1') && parameters.some((p) => p === 'as=PartialObjectMetadataList' || p === 'as=PartialObjectMetadata');
  });
  return wanted ? 'metadata' : 'object';
}

export function partialObjectMetadata(object: Obj): Obj {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

export function listObjects(
  store: Store,
  kind: ServedKind,
  namespace: string | undefined,
  params: URLSearchParams,
  serve: (object: Obj) => Obj,
  options: { representation: Representation; selfLink: boolean },
): { list: Obj; items: Obj[] } {
  const selector = parseLabelSelector(params.get('labelSelector') ?? '');
  let items = store.list(kind, namespace).filter((object) => matchesLabels(object, selector) && matchesFields(object, params.get('fieldSelector')));
  const token = params.get('continue');
  if (token) {
    const start = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { start: string }).start;
    items = items.filter((object) => `${object.metadata.namespace ?? ''}/${object.metadata.name}` > start);
  }
  const limit = Number(params.get('limit') ?? 0);
  const metadata: Obj = { ...(options.selfLink ? { selfLink: selfLinkOf(kind, namespace) } : {}), resourceVersion: store.currentResourceVersion };
  if (limit > 0 && items.length > limit) {
    const last = items[limit - 1] as Obj;
    metadata.continue = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(store.currentResourceVersion), start: `${last.metadata.namespace ?? ''}/${last.metadata.name}` })).toString('base64url');
    metadata.remainingItemCount = items.length - limit;
    items = items.slice(0, limit);
  }
  if (options.representation === 'metadata') {
    return { list: { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata, items: items.map(partialObjectMetadata) }, items };
  }
  return {
    list: {
      kind: `${kind.kind}List`,
      apiVersion: groupVersionOf(kind),
      metadata,
      // Items of a built-in list carry no apiVersion and kind; custom resources are stored whole.
      items: items.map((object) => {
        if (kind.custom) return serve(object);
        const { apiVersion: _a, kind: _k, ...rest } = serve(object);
        return rest;
      }),
    },
    items,
  };
}
