import type http from 'node:http';
import { describeError } from '../errors.js';
import type { Logger } from '../log/index.js';
import type { KubeClient } from '../kube/index.js';
import { GITSYNC_API_VERSION, GITSYNC_KIND, REQUESTED_AT_ANNOTATION } from '../well-known.js';
import { FailureLimit, type FailureLimitOptions } from './failure-limit.js';
import { verifyWebhook } from './webhook.js';
import { WebhookTokens, type WebhookTokensOptions } from './webhook-tokens.js';

/** What the HTTP server sends back. */
export interface HookAnswer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/**
 * The one answer for every delivery that cannot be accepted — unknown GitSync, no webhook
 * Secret, no token, wrong or missing signature — so that answers never tell which GitSyncs exist.
 */
const REFUSED: HookAnswer = { status: 401, body: 'unauthorized: missing or invalid webhook signature\n' };

export interface PushWebhooksOptions {
  client: KubeClient;
  logger: Logger;
  /** Starts a sync at once on this replica when it leads; a standby's push is picked up by the leader's watch. */
  trigger(namespace: string, name: string): void;
  tokens?: WebhookTokensOptions;
  failures?: FailureLimitOptions;
}

/**
 * Push webhooks: verifies a delivery for one GitSync against its token and records the push as
 * a `ferry.dev/requested-at` request on the GitSync — the same request `ferry sync` makes, which
 * the leader watches — so a push is never lost, whichever replica the Service sent it to, and
 * whether or not that replica leads. Refusals look alike (401); an address that keeps failing
 * gets 429 before anything is looked up.
 */
export class PushWebhooks {
  private readonly tokens: WebhookTokens;
  private readonly failures: FailureLimit;

  constructor(private readonly options: PushWebhooksOptions) {
    this.tokens = new WebhookTokens(options.client, options.tokens);
    this.failures = new FailureLimit(options.failures);
  }

  /** Whether `address` is refused before its request is even read: a 429 answer, or undefined. */
  refusal(address: string): HookAnswer | undefined {
    const retryAfter = this.failures.retryAfter(address);
    if (retryAfter === undefined) return undefined;
    return { status: 429, body: 'too many failed webhook attempts from this address; retry later\n', headers: { 'Retry-After': String(retryAfter) } };
  }

  async handle(namespace: string, name: string, headers: http.IncomingHttpHeaders, body: Buffer, address: string): Promise<HookAnswer> {
    const { logger } = this.options;
    const gitsync = `${namespace}/${name}`;
    const refused = this.refusal(address);
    if (refused) return refused;
    let lookup;
    try {
      lookup = await this.tokens.lookup(namespace, name);
    } catch (error) {
      logger.error({ gitsync, err: describeError(error) }, 'webhook: cannot read the GitSync or its webhook Secret');
      return { status: 503, body: 'cannot verify the webhook now; retry later\n' };
    }
    const verdict = lookup.token === undefined ? { valid: false as const, reason: lookup.reason } : verifyWebhook(headers, body, lookup.token);
    if (!verdict.valid) {
      this.failures.failed(address);
      if (lookup.token !== undefined) this.tokens.rejected(namespace, name);
      logger.warn({ gitsync, address, reason: verdict.reason }, 'rejected webhook');
      return REFUSED;
    }
    try {
      await this.options.client.mergePatch(
        { apiVersion: GITSYNC_API_VERSION, kind: GITSYNC_KIND, namespace, name },
        { metadata: { annotations: { [REQUESTED_AT_ANNOTATION]: new Date().toISOString() } } },
      );
    } catch (error) {
      logger.error({ gitsync, err: describeError(error) }, 'webhook: cannot record the sync request on the GitSync');
      return { status: 503, body: 'cannot record the sync request now; retry later\n' };
    }
    this.options.trigger(namespace, name);
    logger.info({ gitsync, provider: verdict.provider }, 'webhook: sync requested');
    return { status: 202, body: 'sync requested\n' };
  }
}
