import { createHash } from 'node:crypto';
import { canonicalJson, isJsonObject } from '../objects.js';
import type { HelmOptions, HelmValues } from '../render/index.js';
import type { ChartCredentials } from '../source/index.js';

/** A ConfigMap or Secret key that holds values for a chart (`spec.render.helm.valuesFrom[]`), as Flux's HelmRelease names them. */
export interface ValuesFrom {
  kind: 'ConfigMap' | 'Secret';
  name: string;
  /** Absent: the GitSync's namespace. */
  namespace?: string;
  /** The key holding the values (default `values.yaml`). */
  valuesKey: string;
  /** Put the key's flat value at this dotted path of the values instead of reading it as YAML. */
  targetPath?: string;
  /** A missing object or key is skipped instead of failing the sync. */
  optional: boolean;
}

/** How a sync renders a chart (`spec.render.helm`, or `ferry plan|diff|apply --values/--set`). */
export interface HelmSettings {
  /** Default: the sync's name. */
  releaseName?: string;
  /** Default: targetNamespace. */
  namespace?: string;
  /** Paths in the revision, in order, after the chart's own values.yaml. */
  valuesFiles: string[];
  valuesFrom: ValuesFrom[];
  /** Inline values, after valuesFrom. */
  values?: Record<string, unknown>;
  skipCRDs: boolean;
  /** What valuesFrom resolved to (resolveSyncInputs reads the objects), in order. */
  resolvedValuesFrom?: HelmValues[];
  /** `--values FILE` of the command line, after the inline values. */
  extraValues?: HelmValues[];
  /** `--set key=value` of the command line, last. */
  set?: string[];
}

/** Where a chart comes from when the source is a Helm repository or an OCI registry (`spec.source.helm`). */
export interface HelmSource {
  type: 'helm';
  repository: string;
  chart: string;
  version?: string;
  /** Plain HTTP for an `oci://` registry (one on localhost). */
  insecure?: boolean;
  credentials?: ChartCredentials;
  timeoutMs?: number;
  path?: string;
}

/** Reads `spec.source.helm`; `fail` names the field. */
export function helmSourceOf(value: Record<string, unknown>, fail: (field: string, message: string) => never, timeoutMs: number): HelmSource {
  const repository = typeof value.repository === 'string' ? value.repository : '';
  if (!/^(https?|oci):\/\/./.test(repository)) fail('spec.source.helm.repository', 'must be an https:// (or http://) chart repository or an oci:// registry');
  if (typeof value.chart !== 'string' || value.chart === '') fail('spec.source.helm.chart', 'missing');
  return {
    type: 'helm',
    repository,
    chart: value.chart as string,
    ...(typeof value.version === 'string' && value.version.trim() !== '' ? { version: value.version.trim() } : {}),
    ...(value.insecure === true ? { insecure: true } : {}),
    timeoutMs,
    path: '.',
  };
}

/** Reads `spec.render.helm` (absent: the defaults, which a chart found by `type: auto` renders with). */
export function helmSettingsOf(value: unknown, fail: (field: string, message: string) => never): HelmSettings {
  const helm = isJsonObject(value) ? value : {};
  const valuesFrom = Array.isArray(helm.valuesFrom) ? helm.valuesFrom : [];
  return {
    ...(typeof helm.releaseName === 'string' && helm.releaseName ? { releaseName: helm.releaseName } : {}),
    ...(typeof helm.namespace === 'string' && helm.namespace ? { namespace: helm.namespace } : {}),
    valuesFiles: Array.isArray(helm.valuesFiles) ? helm.valuesFiles.map(String) : [],
    valuesFrom: valuesFrom.map((item, index): ValuesFrom => {
      const field = `spec.render.helm.valuesFrom[${index}]`;
      if (!isJsonObject(item) || (item.kind !== 'ConfigMap' && item.kind !== 'Secret')) return fail(`${field}.kind`, 'must be ConfigMap or Secret');
      if (typeof item.name !== 'string' || item.name === '') return fail(`${field}.name`, 'missing');
      return {
        kind: item.kind,
        name: item.name,
        ...(typeof item.namespace === 'string' && item.namespace ? { namespace: item.namespace } : {}),
        valuesKey: typeof item.valuesKey === 'string' && item.valuesKey ? item.valuesKey : 'values.yaml',
        ...(typeof item.targetPath === 'string' && item.targetPath ? { targetPath: item.targetPath } : {}),
        optional: item.optional === true,
      };
    }),
    ...(isJsonObject(helm.values) ? { values: helm.values } : {}),
    skipCRDs: helm.skipCRDs === true,
  };
}

/** What render gets: the release (named after the sync unless set), and every values layer in order. */
export function helmOptionsOf(settings: { name: string; helm?: HelmSettings }): HelmOptions {
  const helm = settings.helm;
  return {
    releaseName: helm?.releaseName ?? settings.name,
    ...(helm?.namespace ? { namespace: helm.namespace } : {}),
    valuesFiles: helm?.valuesFiles ?? [],
    values: [...(helm?.resolvedValuesFrom ?? []), ...(helm?.values ? [{ origin: 'spec.render.helm.values', content: helm.values }] : []), ...(helm?.extraValues ?? [])],
    set: helm?.set ?? [],
    skipCRDs: helm?.skipCRDs ?? false,
  };
}

/**
 * The digest of the values that live outside the revision (valuesFrom ConfigMaps and Secrets,
 * inline values, the command line's): part of the revision, so an edit of a referenced ConfigMap
 * is a new revision and syncs without a commit (and a revision that failed with the old values is
 * not held back). Undefined when there are none.
 */
export function valuesDigestOf(helm: HelmSettings | undefined): string | undefined {
  if (!helm) return undefined;
  const layers = [...(helm.resolvedValuesFrom ?? []).map((layer) => ({ origin: layer.origin, content: layer.content })), helm.values ?? null, ...(helm.extraValues ?? []).map((layer) => layer.content), helm.set ?? []];
  if ((helm.resolvedValuesFrom ?? []).length === 0 && !helm.values && (helm.extraValues ?? []).length === 0 && (helm.set ?? []).length === 0) return undefined;
  return createHash('sha256').update(canonicalJson(layers)).digest('hex').slice(0, 12);
}

/** `<source revision>+values.<12 hex>`: the revision a sync with outside values applies. */
export function withValuesDigest(revision: string, helm: HelmSettings | undefined): string {
  const digest = valuesDigestOf(helm);
  return digest ? `${revision}+values.${digest}` : revision;
}
