import { createHmac, timingSafeEqual } from 'node:crypto';

/** Which Git host signed a push, and whether the signature holds. */
export type WebhookVerdict = { valid: true; provider: 'github' | 'gitlab' | 'gitea' } | { valid: false; reason: string };

/**
 * Verifies a push webhook against the shared token: GitHub's `X-Hub-Signature-256`
 * (`sha256=<HMAC-SHA256 hex>`), Gitea's `X-Gitea-Signature` (HMAC hex), GitLab's
 * `X-Gitlab-Token` (the token itself). Comparisons are constant-time.
 */
export function verifyWebhook(headers: Record<string, string | string[] | undefined>, body: Buffer, token: string): WebhookVerdict {
  const header = (name: string) => {
    const value = headers[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
  const hmac = createHmac('sha256', token).update(body).digest('hex');
  const github = header('x-hub-signature-256');
  if (github !== undefined) return safeEqual(github, `sha256=${hmac}`) ? { valid: true, provider: 'github' } : { valid: false, reason: 'X-Hub-Signature-256 does not match' };
  const gitea = header('x-gitea-signature');
  if (gitea !== undefined) return safeEqual(gitea, hmac) ? { valid: true, provider: 'gitea' } : { valid: false, reason: 'X-Gitea-Signature does not match' };
  const gitlab = header('x-gitlab-token');
  if (gitlab !== undefined) return safeEqual(gitlab, token) ? { valid: true, provider: 'gitlab' } : { valid: false, reason: 'X-Gitlab-Token does not match' };
  return { valid: false, reason: 'no X-Hub-Signature-256, X-Gitea-Signature or X-Gitlab-Token header' };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
