import type { KubeObject } from '../objects.js';
import { parseBody, type ApiCall } from './connection.js';
import { asIdentity, collectionPath, metadataOnly, withKind, type VerbContext } from './context.js';
import { forbiddenAs } from './impersonation.js';
import { KubeApiError, TimeoutError, describeTarget, errorFromResponse } from './errors.js';

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  /** Where to start: changes after this version (from a list, or the last event seen). */
  resourceVersion: string;
  /** The server ends the watch after this long (default 300 s); the caller watches again. */
  timeoutSeconds?: number;
  /** Events carry each object's metadata only (PartialObjectMetadata): Secrets without their data. */
  metadataOnly?: boolean;
  signal?: AbortSignal;
}

/** Metadata-only watch events, or the full objects from a server that cannot send those. */
const METADATA_WATCH_ACCEPT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

/**
 * Streams the changes of one kind after `options.resourceVersion` to `onEvent`, until the
 * server ends the watch (its timeout) or `signal` aborts. Resolves to the last resourceVersion
 * seen, to watch on from; rejects with ExpiredError when that version was compacted away (list
 * again), and with the usual typed errors when the watch cannot start. Watches hold a
 * connection for minutes, so they are not counted against the concurrent-request bound.
 */
export async function watchObjects(context: VerbContext, apiVersion: string, kind: string, options: WatchOptions, onEvent: (event: WatchEvent) => void): Promise<string> {
  const { connection } = context;
  const resource = await context.discovery.resourceFor(apiVersion, kind);
  const timeoutSeconds = options.timeoutSeconds ?? 300;
  const call: ApiCall = {
    method: 'GET',
    path: collectionPath(resource, resource.namespaced ? options.namespace : undefined),
    query: { watch: 'true', resourceVersion: options.resourceVersion, timeoutSeconds: String(timeoutSeconds), allowWatchBookmarks: 'true', labelSelector: options.labelSelector },
    verb: 'watch',
    resource: resource.name,
    ...(options.metadataOnly ? { accept: METADATA_WATCH_ACCEPT } : {}),
    idempotent: true,
    target: { what: `${kind} watch${options.namespace ? ` in ${options.namespace}` : ''}` },
  };
  const { url, target, headers, transport, agent, record } = await connection.prepare(asIdentity(context, call));
  let resourceVersion = options.resourceVersion;
  return new Promise<string>((resolve, reject) => {
    const request = transport.request(url, { method: 'GET', headers, agent }, (response) => {
      const status = response.statusCode ?? 0;
      record(status);
      if (status < 200 || status >= 300) {
        // An expired exec or service-account token: the next watch asks for a fresh one.
        if (status === 401) connection.credentials.invalidate();
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => reject(forbiddenAs(errorFromResponse(status, parseBody(Buffer.concat(chunks).toString('utf8'), response.headers['content-type']), target), context.identity, 'watch')));
        return;
      }
      let buffered = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (!line) continue;
          let event: { type: string; object: KubeObject };
          try {
            event = JSON.parse(line) as typeof event;
          } catch {
            reject(new KubeApiError('KUBE_BAD_WATCH', `${describeTarget(target)}: the API server sent a watch event that is not JSON`, { status, reason: 'BadWatchEvent' }));
            request.destroy();
            return;
          }
          if (event.type === 'ERROR') {
            const code = Number((event.object as { code?: number }).code ?? 500);
            reject(errorFromResponse(code, event.object, target));
            request.destroy();
            return;
          }
          resourceVersion = event.object.metadata?.resourceVersion ?? resourceVersion;
          if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') {
            const object = options.metadataOnly ? metadataOnly(event.object, resource) : withKind(event.object, resource);
            onEvent({ type: event.type, object });
          }
        }
      });
      response.on('end', () => resolve(resourceVersion));
      response.on('close', () => resolve(resourceVersion));
      response.on('error', (error) => (options.signal?.aborted ? resolve(resourceVersion) : reject(connection.networkError(error, target))));
    });
    // A silent connection past the server's own timeout is a dead one.
    request.setTimeout((timeoutSeconds + 30) * 1000, () => request.destroy(new TimeoutError('KUBE_TIMEOUT', `${describeTarget(target)}: the watch went silent`, { reason: 'Timeout' })));
    request.on('error', (error) => {
      if (options.signal?.aborted) return resolve(resourceVersion);
      record('network');
      reject(error instanceof KubeApiError ? error : connection.networkError(error, target));
    });
    // One signal lasts across a reflector's renewals: each watch takes its listener away again.
    const abort = () => request.destroy();
    options.signal?.addEventListener('abort', abort, { once: true });
    request.on('close', () => options.signal?.removeEventListener('abort', abort));
    request.end();
  });
}
