import type { KubeObject } from '../objects.js';
import { collectionPath, request, withKind, type VerbContext } from './context.js';

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

/** One page of a list. */
export async function listPage(context: VerbContext, apiVersion: string, kind: string, options: ListOptions & { continue?: string } = {}): Promise<ListPage> {
  const resource = await context.discovery.resourceFor(apiVersion, kind);
  const { body } = await request(context, {
    method: 'GET',
    path: collectionPath(resource, resource.namespaced ? options.namespace : undefined),
    query: {
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
      limit: options.limit === undefined ? undefined : String(options.limit),
      continue: options.continue,
    },
    verb: 'list',
    resource: resource.name,
    idempotent: true,
    target: { what: `${kind} list${options.namespace ? ` in ${options.namespace}` : ''}` },
  });
  const list = body as { items?: KubeObject[]; metadata?: { continue?: string; resourceVersion?: string } };
  const items = (list.items ?? []).map((item) => withKind(item, resource));
  const next = list.metadata?.continue;
  return { items, ...(next ? { continue: next } : {}), resourceVersion: list.metadata?.resourceVersion ?? '' };
}
