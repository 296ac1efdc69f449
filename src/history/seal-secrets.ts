/**
 * Secrets in history entries are kept sealed: every `data`/`stringData` value replaced by a
 * digest. History Secrets live in the GitSync's namespace, readable by whoever reads Secrets
 * there, while the Secrets ferry applies may live anywhere; a digest tells what changed (and is
 * the three-way base, which needs only the keys) without handing out the value.
 */
import { createHmac } from 'node:crypto';
import type { KubeObject } from '../objects.js';
import { isJsonObject } from '../objects.js';

/**
 * A sealed value: `sha256:` and 64 hex digits. The colon never occurs in base64, so a sealed
 * value can never be mistaken for real Secret data (and sealing twice changes nothing).
 */
const SEALED_VALUE = /^sha256:[0-9a-f]{64}$/;
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** The objects with every Secret sealed; other objects are returned as they are. */
export function sealSecrets(objects: KubeObject[]): KubeObject[] {
  return objects.map(sealSecret);
}

/**
 * A Secret with its values replaced by digests of their bytes (`stringData` folded into `data`
 * first, as the server stores it, so both spellings of one value seal alike). The digest is an
 * HMAC keyed by the Secret's namespace, name and key: equal values in two places do not show as
 * equal, and precomputed tables of common values do not apply.
 */
export function sealSecret(object: KubeObject): KubeObject {
  if (object.kind !== 'Secret' || object.apiVersion !== 'v1') return object;
  const copy = structuredClone(object) as Record<string, unknown>;
  const data: Record<string, unknown> = isJsonObject(copy.data) ? { ...copy.data } : {};
  if (isJsonObject(copy.stringData)) {
    for (const [key, value] of Object.entries(copy.stringData)) data[key] = Buffer.from(String(value), 'utf8').toString('base64');
  }
  delete copy.stringData;
  const where = `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
  for (const [key, value] of Object.entries(data)) {
    const text = String(value ?? '');
    data[key] = SEALED_VALUE.test(text) ? text : `sha256:${createHmac('sha256', `ferry.dev/history:${where}:${key}`).update(Buffer.from(text, 'base64')).digest('hex')}`;
  }
  if (Object.keys(data).length > 0 || isJsonObject(copy.data)) copy.data = data;
  // kubectl's last-applied annotation embeds the values in plain JSON.
  const metadata = copy.metadata as KubeObject['metadata'];
  if (metadata.annotations && LAST_APPLIED in metadata.annotations) {
    const { [LAST_APPLIED]: _dropped, ...annotations } = metadata.annotations;
    copy.metadata = { ...metadata, annotations };
  }
  return copy as KubeObject;
}

/** True for a Secret whose values were sealed (so applying it needs the values from Git again). */
export function isSealedSecret(object: KubeObject): boolean {
  if (object.kind !== 'Secret' || !isJsonObject(object.data)) return false;
  return Object.values(object.data).some((value) => typeof value === 'string' && SEALED_VALUE.test(value));
}
