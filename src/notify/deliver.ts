import type { Logger } from '../log/index.js';
import { sleep } from '../sleep.js';
import type { OutgoingMessage } from './types.js';

export interface DeliveryOptions {
  timeoutMs: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_DELIVERY: DeliveryOptions = { timeoutMs: 10_000, maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/**
 * POSTs one message: a timeout per attempt, retries with exponential backoff on 429 (honouring
 * Retry-After), 5xx and network errors, and a bound after which it gives up. Resolves to whether
 * it was delivered; never throws. The address is never logged: webhook URLs carry secrets.
 */
export async function deliver(address: string, message: OutgoingMessage, destinationName: string, logger: Logger, options: DeliveryOptions = DEFAULT_DELIVERY): Promise<boolean> {
  const body = typeof message.body === 'string' ? message.body : JSON.stringify(message.body);
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    let retryAfterMs: number | undefined;
    let reason: string;
    try {
      const response = await fetch(address, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'ferry', ...message.headers },
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return true;
      reason = `HTTP ${response.status}`;
      if (response.status === 429) {
        const header = Number(response.headers.get('retry-after'));
        if (Number.isFinite(header) && header >= 0) retryAfterMs = header * 1000;
      } else if (response.status < 500) {
        logger.warn({ destination: destinationName, status: response.status }, 'notification rejected; not retrying');
        return false;
      }
    } catch (error) {
      reason = error instanceof Error && error.name === 'TimeoutError' ? 'timeout' : 'network error';
    }
    if (attempt === options.maxAttempts) {
      logger.warn({ destination: destinationName, attempts: attempt, reason }, 'giving up on notification');
      return false;
    }
    const backoff = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
    await sleep(Math.min(options.maxDelayMs, Math.max(backoff, retryAfterMs ?? 0)));
  }
  return false;
}
