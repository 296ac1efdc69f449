import type { KubeObject, ObjectRef } from '../objects.js';
import { isJsonObject } from '../objects.js';
import { FerryError } from '../errors.js';
import type { GitCredentials, GitRef } from '../source/index.js';
import type { RenderType } from '../render/index.js';
import type { IgnoreRule } from '../diff/index.js';
import { parseDuration } from './duration.js';
import { listedInventory } from './inventory.js';
import { helmSettingsOf, helmSourceOf, type HelmSettings, type HelmSource } from './helm-settings.js';

/** Where a sync's manifests come from. */
export type SyncSource =
  | { type: 'git'; url: string; ref?: GitRef; path?: string; credentials?: GitCredentials; timeoutMs?: number }
  | { type: 'directory'; dir: string; path?: string }
  | HelmSource;

/** A reference from a GitSync to a Secret or ConfigMap (in its own namespace unless it names one). */
export interface SubstituteFrom {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  /** Absent: the GitSync's namespace. */
  namespace?: string;
  optional: boolean;
}

export interface NotifySpec {
  type: string;
  secretName: string;
  /** Absent: the GitSync's namespace. */
  secretNamespace?: string;
  events: string[];
}

/**
 * Everything one sync needs to know, with defaults applied: what the GitSync resource says, or
 * what `ferry apply` was told on the command line. The same settings drive both.
 */
export interface SyncSettings {
  namespace: string;
  name: string;
  source: SyncSource;
  /** A Secret with username/password or bearerToken (the agent resolves it into credentials). */
  secretName?: string;
  /** The namespace of `secretName` when `spec.source.secretRef` names one (absent: the GitSync's). */
  secretNamespace?: string;
  /**
   * `spec.serviceAccountName`: every call of this sync is made as
   * `system:serviceaccount:<namespace>:<serviceAccountName>` (see tenancy-policy.ts).
   */
  serviceAccountName?: string;
  renderType: RenderType;
  /** `${VAR}` values; substitution is off when undefined (neither substitute nor substituteFrom set). */
  substitute?: Record<string, string>;
  substituteFrom: SubstituteFrom[];
  targetNamespace?: string;
  prune: boolean;
  selfHeal: boolean;
  suspend: boolean;
  force: boolean;
  healthTimeoutMs: number;
  rollback: boolean;
  historyLimit: number;
  ignore: IgnoreRule[];
  intervalMs: number;
  schedule?: string;
  notify: NotifySpec[];
  /** How a chart is rendered (`spec.render.helm`): absent, a chart renders with the defaults. */
  helm?: HelmSettings;
  /**
   * What the GitSync's status says it applied (`status.inventory`), when read from a GitSync:
   * prune candidates beside the last history entry, so a lost entry does not orphan objects.
   */
  inventory?: ObjectRef[];
}

export const DEFAULT_SETTINGS = {
  renderType: 'auto',
  prune: true,
  selfHeal: true,
  suspend: false,
  force: false,
  healthTimeoutMs: 5 * 60_000,
  rollback: true,
  historyLimit: 10,
  intervalMs: 60_000,
} as const;

export const DEFAULT_NOTIFY_EVENTS = ['drift', 'drift-resolved', 'failed', 'rolledBack', 'recovered'];

/** Raised when a GitSync's spec cannot be used; names the GitSync and the field. */
export class InvalidGitSyncError extends FerryError {}

/**
 * Reads a GitSync object (as the API serves it) into settings, applying the documented defaults
 * and rejecting what the CRD schema cannot express (two refs at once, a bad duration).
 */
export function settingsFromGitSync(gitsync: KubeObject): SyncSettings {
  const where = `GitSync/${gitsync.metadata.namespace ?? ''}/${gitsync.metadata.name}`;
  const fail = (field: string, message: string): never => {
    throw new InvalidGitSyncError('GITSYNC_INVALID', `${where}: ${field}: ${message}`, { details: { field } });
  };
  const spec = isJsonObject(gitsync.spec) ? gitsync.spec : fail('spec', 'missing');
  const source = isJsonObject(spec.source) ? spec.source : fail('spec.source', 'missing');
  const chartSource = isJsonObject(source.helm) ? source.helm : undefined;
  if (chartSource && typeof source.url === 'string' && source.url !== '') fail('spec.source', 'set url (a Git repository) or helm (a chart repository or registry), not both');
  if (!chartSource && (typeof source.url !== 'string' || source.url === '')) fail('spec.source.url', 'missing (or set spec.source.helm for a chart from a repository)');
  const render = isJsonObject(spec.render) ? spec.render : {};
  const health = isJsonObject(spec.health) ? spec.health : {};
  const rollback = isJsonObject(spec.rollback) ? spec.rollback : {};
  const duration = (value: unknown, field: string, fallback: number) =>
    typeof value === 'string' ? catchAs(() => parseDuration(value, field), fail, field) : fallback;

  const ref = parseRefObject(source.ref, fail);
  const settings: SyncSettings = {
    namespace: gitsync.metadata.namespace ?? 'default',
    name: gitsync.metadata.name,
    source: chartSource
      ? helmSourceOf(chartSource, fail, duration(source.timeout, 'spec.source.timeout', 60_000))
      : {
          type: 'git',
          url: source.url as string,
          ...(ref ? { ref } : {}),
          path: typeof source.path === 'string' ? source.path : '.',
          timeoutMs: duration(source.timeout, 'spec.source.timeout', 60_000),
        },
    renderType: (['auto', 'plain', 'kustomize', 'helm'] as const).find((t) => t === render.type) ?? DEFAULT_SETTINGS.renderType,
    helm: helmSettingsOf(render.helm, fail),
    // Opt-in, as Flux's postBuild: only a GitSync that says substitute or substituteFrom gets it.
    ...(isJsonObject(render.substitute) || Array.isArray(render.substituteFrom)
      ? { substitute: isJsonObject(render.substitute) ? Object.fromEntries(Object.entries(render.substitute).map(([k, v]) => [k, String(v)])) : {} }
      : {}),
    substituteFrom: Array.isArray(render.substituteFrom)
      ? render.substituteFrom.filter(isJsonObject).map((item) => ({
          kind: item.kind === 'Secret' ? 'Secret' : 'ConfigMap',
          name: String(item.name ?? ''),
          ...namespaceOf(item),
          optional: item.optional === true,
        }))
      : [],
    prune: spec.prune !== false,
    selfHeal: spec.selfHeal !== false,
    suspend: spec.suspend === true,
    force: spec.force === true,
    healthTimeoutMs: duration(health.timeout, 'spec.health.timeout', DEFAULT_SETTINGS.healthTimeoutMs),
    rollback: rollback.enabled !== false,
    historyLimit: typeof spec.historyLimit === 'number' && spec.historyLimit > 0 ? Math.floor(spec.historyLimit) : DEFAULT_SETTINGS.historyLimit,
    ignore: Array.isArray(spec.ignoreDifferences)
      ? spec.ignoreDifferences.filter(isJsonObject).map((rule) => ({
          ...(typeof rule.group === 'string' ? { group: rule.group } : {}),
          ...(typeof rule.kind === 'string' ? { kind: rule.kind } : {}),
          ...(typeof rule.name === 'string' ? { name: rule.name } : {}),
          ...(typeof rule.namespace === 'string' ? { namespace: rule.namespace } : {}),
          jsonPointers: Array.isArray(rule.jsonPointers) ? rule.jsonPointers.map(String) : [],
        }))
      : [],
    intervalMs: duration(source.interval, 'spec.source.interval', DEFAULT_SETTINGS.intervalMs),
    notify: Array.isArray(spec.notify)
      ? spec.notify.filter(isJsonObject).map((item) => ({
          type: String(item.type ?? ''),
          secretName: isJsonObject(item.secretRef) ? String(item.secretRef.name ?? '') : '',
          ...(isJsonObject(item.secretRef) && typeof item.secretRef.namespace === 'string' && item.secretRef.namespace ? { secretNamespace: item.secretRef.namespace } : {}),
          events: Array.isArray(item.events) ? item.events.map(String) : DEFAULT_NOTIFY_EVENTS,
        }))
      : [],
  };
  if (isJsonObject(source.secretRef) && typeof source.secretRef.name === 'string') settings.secretName = source.secretRef.name;
  if (isJsonObject(source.secretRef) && typeof source.secretRef.namespace === 'string' && source.secretRef.namespace) settings.secretNamespace = source.secretRef.namespace;
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName) settings.serviceAccountName = spec.serviceAccountName;
  if (typeof spec.targetNamespace === 'string' && spec.targetNamespace) settings.targetNamespace = spec.targetNamespace;
  if (typeof source.schedule === 'string' && source.schedule) settings.schedule = source.schedule;
  const status = isJsonObject(gitsync.status) ? gitsync.status : {};
  // A summary (a long inventory) lists nothing: prune finds those objects in the history entry.
  if (Array.isArray(status.inventory)) settings.inventory = listedInventory(status);
  return settings;
}

/** `{ namespace }` of a reference that names one. */
function namespaceOf(ref: Record<string, unknown>): { namespace?: string } {
  return typeof ref.namespace === 'string' && ref.namespace ? { namespace: ref.namespace } : {};
}

function parseRefObject(value: unknown, fail: (field: string, message: string) => never): GitRef | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) return fail('spec.source.ref', 'must be an object with one of branch, tag, semver, commit');
  const set = (['branch', 'tag', 'semver', 'commit'] as const).filter((key) => typeof value[key] === 'string' && value[key] !== '');
  if (set.length > 1) fail('spec.source.ref', `set only one of branch, tag, semver, commit (found ${set.join(', ')})`);
  const key = set[0];
  if (!key) return undefined;
  const text = value[key] as string;
  if (key === 'commit' && !/^[0-9a-f]{40}$/.test(text)) fail('spec.source.ref.commit', 'must be a full 40-character commit SHA');
  return { [key]: text } as GitRef;
}

function catchAs<T>(work: () => T, fail: (field: string, message: string) => never, field: string): T {
  try {
    return work();
  } catch (error) {
    return fail(field, error instanceof Error ? error.message.replace(`${field}: `, '') : String(error));
  }
}
