/**
 * The one place that decides what is secret. Logs, diffs, CLI output and alerts all pass values
 * through these functions, so a Secret's data or a credential in a URL can never leak through a
 * path that forgot to mask it.
 */
import { isJsonObject } from '../objects.js';

/** What a masked value prints as. */
export const MASK = '***';

/** Keys whose values are credentials wherever they appear (headers, configs, Secret-shaped input). */
const CREDENTIAL_KEY = /(pass(word|wd)?|secret|token|api[-_]?key|private[-_]?key|credential|auth(orization)?|bearer|cookie|session[-_]?key|client[-_]?key|\.pem$|\.key$)/i;

/** True when a key names a credential (`password`, `bearerToken`, `tls.key`, `AWS_SECRET_ACCESS_KEY` …). */
export function isCredentialKey(key: string): boolean {
  return CREDENTIAL_KEY.test(key);
}

/** A URL with any `user:password@` removed (an SSH URL keeps its user) and credential-like query parameters masked. */
export function stripUrlCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    // An SSH URL's user is the account to log in as (`git@`), not a secret; its password would be.
    if (!/^(ssh|git\+ssh|ssh\+git):$/.test(parsed.protocol)) parsed.username = '';
    parsed.password = '';
    for (const key of [...parsed.searchParams.keys()]) {
      if (isCredentialKey(key)) parsed.searchParams.set(key, MASK);
    }
    return parsed.toString();
  } catch {
    // Not a URL we can parse (scp-like git address, plain text): drop anything before an '@'.
    return url.replace(/\/\/[^/@\s]*@/g, '//');
  }
}

/**
 * A copy of a Kubernetes object that is safe to show: a Secret's `data` and `stringData` values
 * are replaced by the mask (keys stay visible so people can see *what* changed), as is the
 * kubectl last-applied annotation, which can embed the same values.
 */
export function maskSecretObject<T>(object: T): T {
  if (!isJsonObject(object) || object.kind !== 'Secret') return object;
  const copy: Record<string, unknown> = { ...object };
  for (const field of ['data', 'stringData']) {
    const values = copy[field];
    if (isJsonObject(values)) {
      copy[field] = Object.fromEntries(Object.keys(values).map((key) => [key, MASK]));
    }
  }
  const metadata = copy.metadata;
  if (isJsonObject(metadata) && isJsonObject(metadata.annotations)) {
    const annotations = { ...metadata.annotations };
    if ('kubectl.kubernetes.io/last-applied-configuration' in annotations) {
      annotations['kubectl.kubernetes.io/last-applied-configuration'] = MASK;
    }
    copy.metadata = { ...metadata, annotations };
  }
  return copy as T;
}

/**
 * Replaces every occurrence of the given secret strings in `text` by the mask. The last line of
 * defence for free text (an API error message that echoes a request, a tool's stderr).
 */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= 4) result = result.split(secret).join(MASK);
  }
  return result;
}
