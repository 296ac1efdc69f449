/**
 * A watch as kube-apiserver streams it: one JSON event per line (ADDED, MODIFIED, DELETED),
 * starting after `resourceVersion` (or with ADDED for every object when it is unset or "0"),
 * ending after `timeoutSeconds`. A compacted resourceVersion gets a 200 and one ERROR event with
 * a 410 Expired Status: the client must list again.
 *
 * With `allowWatchBookmarks=true`, BOOKMARK events carry the current resourceVersion to a watch
 * that sees no changes of its own, as kube-apiserver's watch cache sends them: two seconds
 * before the watch's timeout and about every minute. A watch renewed from its last bookmark
 * resumes however much changed outside its selection meanwhile.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Representation } from './lists.js';
import { partialObjectMetadata } from './lists.js';
import { matchesFields, matchesLabels, parseLabelSelector } from './selectors.js';
import { groupVersionOf } from './kinds.js';
import { fail } from './status.js';
import type { Store } from './store.js';
import type { Route } from './writes.js';

type Obj = Record<string, any>;

/** When kube-apiserver's watch cache sends a watch its bookmarks (cacher's `nextBookmarkTime`). */
const BOOKMARK_BEFORE_END_MS = 2_000;
const BOOKMARK_EVERY_MS = 60_000;

export interface WatchOptions {
  serve: (object: Obj) => Obj;
  representation: Representation;
  /** Registers the function that ends the watch (the server ends every watch when it stops). */
  track: (end: () => void) => () => void;
}

export function serveWatch(store: Store, route: Route, params: URLSearchParams, request: IncomingMessage, response: ServerResponse, options: WatchOptions): void {
  const selector = parseLabelSelector(params.get('labelSelector') ?? '');
  const fieldSelector = params.get('fieldSelector');
  const wanted = (resource: { group: string; plural: string }, object: Obj) =>
    resource.group === route.kind.group &&
    resource.plural === route.kind.plural &&
    (route.namespace === undefined || object.metadata.namespace === route.namespace) &&
    matchesLabels(object, selector) &&
    matchesFields(object, fieldSelector);
  response.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  const shown = (object: Obj) => (options.representation === 'metadata' ? partialObjectMetadata(object) : options.serve(object));
  const write = (type: string, object: Obj) => response.write(`${JSON.stringify({ type, object: type === 'ERROR' ? object : shown(object) })}\n`);
  const since = params.get('resourceVersion');
  if (!since || since === '0') {
    for (const object of store.list(route.kind, route.namespace)) if (wanted(route.kind, object)) write('ADDED', object);
  } else {
    const changes = store.changesSince(Number(since));
    if (!changes) {
      write('ERROR', fail.expired(Number(since), store.oldestWatchableRevision));
      response.end();
      return;
    }
    for (const change of changes) if (wanted(change.resource, change.object)) write(change.type, change.object);
  }
  const unsubscribe = store.subscribe((change) => {
    if (wanted(change.resource, change.object)) write(change.type, change.object);
  });
  const timeoutMs = Number(params.get('timeoutSeconds') || 1800) * 1000;
  const bookmarks: NodeJS.Timeout[] = [];
  if (params.get('allowWatchBookmarks') === 'true') {
    const bookmark = () => {
      if (!response.writableEnded) response.write(`${JSON.stringify({ type: 'BOOKMARK', object: { apiVersion: groupVersionOf(route.kind), kind: route.kind.kind, metadata: { resourceVersion: store.currentResourceVersion } } })}\n`);
    };
    if (timeoutMs > BOOKMARK_BEFORE_END_MS) bookmarks.push(setTimeout(bookmark, timeoutMs - BOOKMARK_BEFORE_END_MS));
    bookmarks.push(setInterval(bookmark, BOOKMARK_EVERY_MS));
  }
  let untrack = () => undefined as unknown;
  const end = () => {
    unsubscribe();
    untrack();
    clearTimeout(timer);
    for (const bookmark of bookmarks) clearTimeout(bookmark);
    if (!response.writableEnded) response.end();
  };
  const timer = setTimeout(end, timeoutMs);
  untrack = options.track(end);
  request.on('close', end);
}
