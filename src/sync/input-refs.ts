import type { SyncSettings } from './settings.js';

/** A Secret or ConfigMap a GitSync names, with the field that names it. */
export interface InputRef {
  kind: 'Secret' | 'ConfigMap';
  namespace: string;
  name: string;
  /** `spec.source.secretRef`, `spec.render.substituteFrom[1]` … */
  field: string;
}

/**
 * Every Secret and ConfigMap a GitSync's settings name — source credentials, substitution,
 * chart values, notification Secrets — each in the namespace it names or else the GitSync's own.
 */
export function inputRefsOf(settings: SyncSettings): InputRef[] {
  const own = settings.namespace;
  return [
    ...(settings.secretName ? [{ kind: 'Secret' as const, namespace: settings.secretNamespace ?? own, name: settings.secretName, field: 'spec.source.secretRef' }] : []),
    ...settings.substituteFrom.map((from, index) => ({ kind: from.kind, namespace: from.namespace ?? own, name: from.name, field: `spec.render.substituteFrom[${index}]` })),
    ...(settings.helm?.valuesFrom ?? []).map((from, index) => ({ kind: from.kind, namespace: from.namespace ?? own, name: from.name, field: `spec.render.helm.valuesFrom[${index}]` })),
    ...settings.notify.map((spec, index) => ({ kind: 'Secret' as const, namespace: spec.secretNamespace ?? own, name: spec.secretName, field: `spec.notify[${index}].secretRef` })),
  ];
}
