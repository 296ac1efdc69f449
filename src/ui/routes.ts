/**
 * The URL space of `ferry ui`, as a pure matcher: pages (served the same HTML shell, the script
 * reads the path), assets, the two live feeds and the actions.
 */
import { isActionName, type ActionName } from './actions.js';

export type Route =
  | { type: 'page' }
  | { type: 'asset'; name: string }
  | { type: 'overview-events' }
  | { type: 'gitsync-events'; namespace: string; name: string }
  | { type: 'action'; namespace: string; name: string; action: ActionName }
  | { type: 'not-found' }
  | { type: 'method-not-allowed'; allow: string };

/** Kubernetes names: DNS labels and subdomains, so a path segment never needs more. */
const NAME = '([a-z0-9]([-a-z0-9.]*[a-z0-9])?)';

export function matchRoute(method: string, pathname: string): Route {
  const get = (route: Route): Route => (method === 'GET' || method === 'HEAD' ? route : { type: 'method-not-allowed', allow: 'GET' });
  if (pathname === '/' || new RegExp(`^/gitsyncs/${NAME}/${NAME}$`).test(pathname)) return get({ type: 'page' });
  const asset = /^\/assets\/(app\.js|app\.css)$/.exec(pathname);
  if (asset) return get({ type: 'asset', name: asset[1] as string });
  if (pathname === '/api/overview/events') return get({ type: 'overview-events' });
  const events = new RegExp(`^/api/gitsyncs/${NAME}/${NAME}/events$`).exec(pathname);
  if (events) return get({ type: 'gitsync-events', namespace: events[1] as string, name: events[3] as string });
  const action = new RegExp(`^/api/gitsyncs/${NAME}/${NAME}/actions/([a-z]+)$`).exec(pathname);
  if (action && isActionName(action[5] as string)) {
    if (method !== 'POST') return { type: 'method-not-allowed', allow: 'POST' };
    return { type: 'action', namespace: action[1] as string, name: action[3] as string, action: action[5] as ActionName };
  }
  return { type: 'not-found' };
}
