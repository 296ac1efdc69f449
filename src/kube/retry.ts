import { KubeApiError, NetworkError, ServerError, TimeoutError, TooManyRequestsError } from './errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt (default 5). */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 5, baseDelayMs: 200, maxDelayMs: 10_000 };

/**
 * The delay before retry number `attempt` (1-based): capped exponential backoff with full
 * jitter, so many clients retrying at once spread out; a server's Retry-After wins when longer.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, retryAfterSeconds?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(ceiling * random());
  if (retryAfterSeconds !== undefined) return Math.max(jittered, Math.min(retryAfterSeconds * 1000, policy.maxDelayMs * 6));
  return jittered;
}

/**
 * Whether an error may be retried. 429 and 503 mean the server did not process the request, so
 * even a create may be retried; other 5xx and network errors may have been processed, so only
 * idempotent calls are retried after them.
 */
export function isRetryable(error: unknown, idempotent: boolean): boolean {
  if (error instanceof TooManyRequestsError) return true;
  if (error instanceof ServerError) return idempotent || error.status === 503;
  if (error instanceof NetworkError) return idempotent || (error as KubeApiError).reason === 'ConnectionRefused';
  if (error instanceof TimeoutError) return idempotent;
  return false;
}
