import type { KubeObject, ObjectRef } from '../objects.js';
import { isJsonObject } from '../objects.js';
import { FerryError } from '../errors.js';
import { isSshUrl, type ChartCredentials, type GitCredentials } from '../source/index.js';
import { secretStringsOf, valuesAtPath, type HelmValues } from '../render/index.js';
import type { SyncSettings } from './settings.js';
import type { ValuesFrom } from './helm-settings.js';

/** Reading the Secrets and ConfigMaps a GitSync names (src/kube's KubeClient, as the sync's identity). */
export interface InputsClient {
  getOrNull(ref: ObjectRef): Promise<KubeObject | null>;
}

/** Raised when a Secret or ConfigMap a GitSync names is missing or unusable. */
export class SyncInputError extends FerryError {}

/**
 * Completes settings read from a GitSync with what lives in other objects: Git (or chart
 * repository) credentials from `spec.source.secretRef`, `${VAR}` values from
 * `spec.render.substituteFrom` (later entries win, inline `substitute` wins over all), and a
 * chart's values from `spec.render.helm.valuesFrom`. Returns the secret values too, so callers can scrub
 * them from any text they show.
 */
export async function resolveSyncInputs(client: InputsClient, settings: SyncSettings): Promise<{ settings: SyncSettings; secretValues: string[] }> {
  const secretValues: string[] = [];
  let resolved = settings;
  if (settings.secretName && settings.source.type === 'git') {
    const secretNamespace = settings.secretNamespace ?? settings.namespace;
    const data = await readData(client, secretNamespace, 'Secret', settings.secretName, false, 'spec.source.secretRef');
    const credentials: GitCredentials = {};
    if (data?.bearerToken) credentials.bearerToken = data.bearerToken;
    if (data?.username) credentials.username = data.username;
    if (data?.password) credentials.password = data.password;
    // SSH (Flux's Secret keys): a deploy key, its passphrase, and the host keys to trust.
    if (data?.identity) credentials.identity = data.identity;
    if (data?.['identity.passphrase']) credentials.passphrase = data['identity.passphrase'];
    if (data?.known_hosts) credentials.knownHosts = data.known_hosts;
    if (isSshUrl(settings.source.url)) {
      if (!credentials.identity || !credentials.knownHosts) {
        throw new SyncInputError('SYNC_BAD_CREDENTIALS', `Secret/${secretNamespace}/${settings.secretName}: an SSH source needs the keys identity and known_hosts (identity.passphrase when the key is encrypted)`);
      }
    } else if (!credentials.bearerToken && !credentials.password) {
      throw new SyncInputError(
        'SYNC_BAD_CREDENTIALS',
        `Secret/${secretNamespace}/${settings.secretName}: needs the keys username and password, or bearerToken`,
      );
    }
    // known_hosts holds public keys: nothing to hide.
    const { knownHosts: _public, ...secrets } = credentials;
    secretValues.push(...Object.values(secrets).filter((v): v is string => typeof v === 'string'));
    resolved = { ...resolved, source: { ...settings.source, credentials } };
  }
  if (settings.secretName && settings.source.type === 'helm') {
    const credentials = await chartCredentials(client, settings.secretNamespace ?? settings.namespace, settings.secretName);
    secretValues.push(...[credentials.username, credentials.password, credentials.bearerToken].filter((v): v is string => typeof v === 'string'));
    resolved = { ...resolved, source: { ...settings.source, credentials } };
  }
  if (settings.helm && settings.helm.valuesFrom.length > 0) {
    const layers = await readValuesFrom(client, settings.namespace, settings.helm.valuesFrom);
    secretValues.push(...secretStringsOf(layers));
    resolved = { ...resolved, helm: { ...settings.helm, resolvedValuesFrom: layers } };
  }
  const substitute: Record<string, string> = {};
  for (const from of settings.substituteFrom) {
    const data = await readData(client, from.namespace ?? settings.namespace, from.kind, from.name, from.optional, 'spec.render.substituteFrom');
    if (!data) continue;
    Object.assign(substitute, data);
    if (from.kind === 'Secret') secretValues.push(...Object.values(data));
  }
  if (!settings.substitute) return { settings: resolved, secretValues };
  return { settings: { ...resolved, substitute: { ...substitute, ...settings.substitute } }, secretValues };
}

/**
 * Chart repository credentials from `spec.source.secretRef`: `username`/`password`, or (for a
 * registry) `bearerToken`, and `ca.crt` to trust a private CA; a Secret with only `ca.crt` is fine.
 */
async function chartCredentials(client: InputsClient, namespace: string, name: string): Promise<ChartCredentials> {
  const data = (await readData(client, namespace, 'Secret', name, false, 'spec.source.secretRef')) ?? {};
  const credentials: ChartCredentials = {
    ...(data.username ? { username: data.username } : {}),
    ...(data.password ? { password: data.password } : {}),
    ...(data.bearerToken ? { bearerToken: data.bearerToken } : {}),
    ...(data['ca.crt'] ? { caCert: data['ca.crt'] } : {}),
  };
  if (Boolean(credentials.username) !== Boolean(credentials.password) || (!credentials.username && !credentials.bearerToken && !credentials.caCert)) {
    throw new SyncInputError('SYNC_BAD_CREDENTIALS', `Secret/${namespace}/${name}: needs the keys username and password, or bearerToken, and/or ca.crt`);
  }
  return credentials;
}

/**
 * The values `spec.render.helm.valuesFrom` names, in order: each key read as YAML, or with a
 * targetPath put at that path as it is. A missing object or key fails the sync unless optional.
 */
async function readValuesFrom(client: InputsClient, namespace: string, refs: readonly ValuesFrom[]): Promise<HelmValues[]> {
  const layers: HelmValues[] = [];
  for (const [index, from] of refs.entries()) {
    const field = `spec.render.helm.valuesFrom[${index}]`;
    const where = from.namespace ?? namespace;
    const data = await readData(client, where, from.kind, from.name, from.optional, field);
    if (!data) continue;
    const value = data[from.valuesKey];
    if (value === undefined) {
      if (from.optional) continue;
      throw new SyncInputError('SYNC_INPUT_NOT_FOUND', `${from.kind}/${where}/${from.name} (named in ${field}) has no key ${from.valuesKey}`);
    }
    layers.push({
      origin: `${from.kind}/${where}/${from.name}[${from.valuesKey}]`,
      content: from.targetPath ? valuesAtPath(from.targetPath, value) : value,
      ...(from.kind === 'Secret' ? { secret: true } : {}),
    });
  }
  return layers;
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
