import type { KubeObject, ObjectRef } from '../objects.js';
import { isJsonObject } from '../objects.js';
import { FerryError } from '../errors.js';
import type { GitCredentials } from '../source/index.js';
import type { SyncSettings } from './settings.js';

/** Reading Secrets and ConfigMaps in the GitSync's namespace (src/kube's KubeClient). */
export interface InputsClient {
  getOrNull(ref: ObjectRef): Promise<KubeObject | null>;
}

/** Raised when a Secret or ConfigMap a GitSync names is missing or unusable. */
export class SyncInputError extends FerryError {}

/**
 * Completes settings read from a GitSync with what lives in other objects: Git credentials from
 * `spec.source.secretRef`, and `${VAR}` values from `spec.render.substituteFrom` (later entries
 * win, inline `substitute` wins over all). Returns the secret values too, so callers can scrub
 * them from any text they show.
 */
export async function resolveSyncInputs(client: InputsClient, settings: SyncSettings): Promise<{ settings: SyncSettings; secretValues: string[] }> {
  const secretValues: string[] = [];
  let resolved = settings;
  if (settings.secretName && settings.source.type === 'git') {
    const data = await readData(client, settings.namespace, 'Secret', settings.secretName, false, 'spec.source.secretRef');
    const credentials: GitCredentials = {};
    if (data?.bearerToken) credentials.bearerToken = data.bearerToken;
    if (data?.username) credentials.username = data.username;
    if (data?.password) credentials.password = data.password;
    if (!credentials.bearerToken && !credentials.password) {
      throw new SyncInputError(
        'SYNC_BAD_CREDENTIALS',
        `Secret/${settings.namespace}/${settings.secretName}: needs the keys username and password, or bearerToken`,
      );
    }
    secretValues.push(...Object.values(credentials).filter((v): v is string => typeof v === 'string'));
    resolved = { ...resolved, source: { ...settings.source, credentials } };
  }
  const substitute: Record<string, string> = {};
  for (const from of settings.substituteFrom) {
    const data = await readData(client, settings.namespace, from.kind, from.name, from.optional, 'spec.render.substituteFrom');
    if (!data) continue;
    Object.assign(substitute, data);
    if (from.kind === 'Secret') secretValues.push(...Object.values(data));
  }
  if (!settings.substitute) return { settings: resolved, secretValues };
  return { settings: { ...resolved, substitute: { ...substitute, ...settings.substitute } }, secretValues };
}

async function readData(
  client: InputsClient,
  namespace: string,
  kind: 'Secret' | 'ConfigMap',
  name: string,
  optional: boolean,
  field: string,
): Promise<Record<string, string> | undefined> {
  const object = await client.getOrNull({ apiVersion: 'v1', kind, namespace, name });
  if (!object) {
    if (optional) return undefined;
    throw new SyncInputError('SYNC_INPUT_NOT_FOUND', `${kind}/${namespace}/${name} (named in ${field}) not found`);
  }
  const values: Record<string, string> = {};
  if (isJsonObject(object.data)) {
    for (const [key, value] of Object.entries(object.data)) {
      values[key] = kind === 'Secret' ? Buffer.from(String(value), 'base64').toString('utf8') : String(value);
    }
  }
  if (kind === 'Secret' && isJsonObject(object.stringData)) {
    for (const [key, value] of Object.entries(object.stringData)) values[key] = String(value);
  }
  return values;
}
