import type { GitHttpResponse, HttpClient } from 'isomorphic-git';
import http from 'isomorphic-git/http/node';

/**
 * isomorphic-git's Node HTTP client, stoppable: isomorphic-git's `fetch` takes no signal, so a
 * fetch that timed out would go on downloading into the cache. Every request made through this
 * client is aborted with `signal`, and a response body being read fails at once (the library's
 * stream adapter can miss a stream error and wait forever), so the fetch settles and lets go of
 * its cache directory.
 */
export function stoppableHttp(signal: AbortSignal): HttpClient {
  return {
    async request(request) {
      signal.throwIfAborted();
      const response: GitHttpResponse = await http.request({ ...request, signal });
      return response.body ? { ...response, body: stoppable(response.body, signal) } : response;
    },
  };
}

async function* stoppable(body: AsyncIterableIterator<Uint8Array>, signal: AbortSignal): AsyncIterableIterator<Uint8Array> {
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  // Nobody may be reading when the signal fires.
  aborted.catch(() => undefined);
  try {
    for (;;) {
      const next = await Promise.race([body.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await body.return?.();
  }
}
