/**
 * Validation the API server applies after decoding: names, metadata sizes, required fields, and
 * on update the fields that may not change. Causes carry the reason and field the real server
 * names (test/fixtures/kube-apiserver-<version>/case-patch-immutable-*.json), so a client can tell an
 * immutable field from any other refusal without reading the message.
 */
import { isDeepStrictEqual } from 'node:util';
import { goElided, goLabelSelector, goRoleRef, goScalar, goStringMap, goStringSlice } from './go-format.js';
import type { Cause } from './status.js';
import type { VersionProfile } from './versions.js';

type Obj = Record<string, any>;

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
/** The total size of all annotation keys and values (apimachinery's TotalAnnotationSizeLimitB). */
const ANNOTATION_LIMIT = 262_144;
/** The total size of a Secret's data values, decoded (core.MaxSecretSize). */
const SECRET_DATA_LIMIT = 1_048_576;

/** apimachinery's field.TooLong, as each version words it. */
function tooLong(field: string, limit: number, profile: VersionProfile): Cause {
  const message = profile.version === '1.19' ? `Too long: must have at most ${limit} bytes` : `Too long: may not be more than ${limit} bytes`;
  return { reason: 'FieldValueTooLong', message, field };
}

export function validateObject(object: Obj, profile: VersionProfile): Cause[] {
  const causes: Cause[] = [];
  const name = object.metadata?.name;
  if (!name) {
    causes.push({ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' });
    return causes;
  }
  if (RBAC_KINDS.has(object.kind)) {
    if (/[/%]/.test(name) || name === '.' || name === '..') causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: "${name}": may not contain '/' or '%'`, field: 'metadata.name' });
  } else if (object.kind === 'Namespace' || object.kind === 'Service') {
    if (!LABEL.test(name) || name.length > 63) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: "${name}": ${profile.messages.label}`, field: 'metadata.name' });
  } else if (!SUBDOMAIN.test(name) || name.length > 253) {
    causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: "${name}": ${profile.messages.subdomain}`, field: 'metadata.name' });
  }
  for (const field of ['labels', 'annotations']) {
    const values = object.metadata?.[field];
    if (values && typeof values === 'object') {
      for (const [key, value] of Object.entries(values)) {
        if (typeof value !== 'string') causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: must be a string`, field: `metadata.${field}.${key}` });
      }
    }
  }
  const annotations = object.metadata?.annotations;
  if (annotations && typeof annotations === 'object') {
    const size = Object.entries(annotations).reduce((total, [key, value]) => total + Buffer.byteLength(key) + Buffer.byteLength(String(value)), 0);
    if (size > ANNOTATION_LIMIT) causes.push(tooLong('metadata.annotations', ANNOTATION_LIMIT, profile));
  }
  const spec = object.spec as Obj | undefined;
  switch (object.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet': {
      if (!spec?.selector) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' });
      const labels = spec?.template?.metadata?.labels;
      const match = spec?.selector?.matchLabels ?? {};
      if (spec?.selector && Object.entries(match).some(([k, v]) => labels?.[k] !== v)) {
        causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${goStringMap(labels)}: \`selector\` does not match template \`labels\``, field: 'spec.template.metadata.labels' });
      }
      causes.push(...validateContainers(spec?.template?.spec, 'spec.template.spec'));
      break;
    }
    case 'Job':
      causes.push(...validateContainers(spec?.template?.spec, 'spec.template.spec'));
      break;
    case 'Pod':
      causes.push(...validateContainers(spec, 'spec'));
      break;
    case 'Service':
      for (const [i, port] of (spec?.ports ?? []).entries()) {
        if (typeof port.port !== 'number' || port.port < 1 || port.port > 65535) {
          causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(port.port)}: must be between 1 and 65535, inclusive`, field: `spec.ports[${i}].port` });
        }
      }
      break;
    case 'ConfigMap':
    case 'Secret':
      for (const field of ['data', 'binaryData', 'stringData']) {
        for (const key of Object.keys(object[field] ?? {})) {
          if (!/^[-._a-zA-Z0-9]+$/.test(key)) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: "${key}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`, field: `${field}` });
        }
      }
      // Decoding merged stringData into data; the limit counts the values' bytes, not their base64.
      if (object.kind === 'Secret') {
        const size = Object.values(object.data ?? {}).reduce((total: number, value) => total + Buffer.from(String(value), 'base64').length, 0);
        if (size > SECRET_DATA_LIMIT) causes.push(tooLong('data', SECRET_DATA_LIMIT, profile));
      }
      break;
  }
  return causes;
}

function validateContainers(podSpec: Obj | undefined, at: string): Cause[] {
  if (!podSpec) return [{ reason: 'FieldValueRequired', message: 'Required value', field: at }];
  const containers = podSpec.containers;
  if (!Array.isArray(containers) || containers.length === 0) return [{ reason: 'FieldValueRequired', message: 'Required value', field: `${at}.containers` }];
  const causes: Cause[] = [];
  containers.forEach((container: Obj, i: number) => {
    if (!container.name) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: `${at}.containers[${i}].name` });
    if (!container.image) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: `${at}.containers[${i}].image` });
  });
  return causes;
}

/** The StatefulSet spec fields an update may change, per version (the rest is Forbidden as a whole). */
const STATEFULSET_MUTABLE: Record<string, { fields: string[]; message: string }> = {
  '1.32': {
    fields: ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'],
    message: "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
  },
  '1.19': {
    fields: ['replicas', 'template', 'updateStrategy'],
    message: "Forbidden: updates to statefulset spec for fields other than 'replicas', 'template', and 'updateStrategy' are forbidden",
  },
};

/** Fields that may not change on update: a 422 whose causes name them. */
export function validateUpdate(previous: Obj, next: Obj, profile: VersionProfile): Cause[] {
  const causes: Cause[] = [];
  const immutable = (field: string, before: unknown, after: unknown, shown: string) => {
    if (!isDeepStrictEqual(before, after)) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${shown}: field is immutable`, field });
  };
  const forbidden = (field: string, changed: boolean, message: string) => {
    if (changed) causes.push({ reason: 'FieldValueForbidden', message: `Forbidden: ${message}`, field });
  };
  switch (next.kind) {
    case 'Deployment':
    case 'ReplicaSet':
    case 'DaemonSet':
      immutable('spec.selector', previous.spec?.selector, next.spec?.selector, goLabelSelector(next.spec?.selector));
      break;
    case 'StatefulSet': {
      const rule = STATEFULSET_MUTABLE[profile.version] as { fields: string[]; message: string };
      const fixed = (spec: Obj | undefined) => Object.fromEntries(Object.entries(spec ?? {}).filter(([name]) => !rule.fields.includes(name)));
      if (!isDeepStrictEqual(fixed(previous.spec), fixed(next.spec))) causes.push({ reason: 'FieldValueForbidden', message: rule.message, field: 'spec' });
      break;
    }
    case 'Job':
      immutable('spec.selector', previous.spec?.selector, next.spec?.selector, goLabelSelector(next.spec?.selector));
      immutable('spec.template', previous.spec?.template, next.spec?.template, goElided('core.PodTemplateSpec'));
      immutable('spec.completions', previous.spec?.completions, next.spec?.completions, goScalar(next.spec?.completions));
      break;
    case 'Service':
      validateServiceUpdate(previous.spec ?? {}, next.spec ?? {}, profile, causes);
      break;
    case 'PersistentVolumeClaim': {
      // Only resources.requests may change, and volumeName once (the binder sets it).
      const fixed = (spec: Obj | undefined) => {
        const { resources, volumeName: _volumeName, ...rest } = spec ?? {};
        const { requests: _requests, ...otherResources } = (resources ?? {}) as Obj;
        return { ...rest, resources: otherResources };
      };
      const rebound = Boolean(previous.spec?.volumeName) && previous.spec?.volumeName !== next.spec?.volumeName;
      forbidden('spec', rebound || !isDeepStrictEqual(fixed(previous.spec), fixed(next.spec)), 'spec is immutable after creation except resources.requests');
      break;
    }
    case 'ConfigMap':
    case 'Secret':
      if (previous.immutable === true) {
        forbidden('immutable', next.immutable !== true, 'field is immutable when `immutable` is set');
        forbidden('data', !isDeepStrictEqual(previous.data, next.data), 'field is immutable when `immutable` is set');
        if (next.kind === 'ConfigMap') forbidden('binaryData', !isDeepStrictEqual(previous.binaryData, next.binaryData), 'field is immutable when `immutable` is set');
      }
      break;
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      if (!isDeepStrictEqual(previous.roleRef, next.roleRef)) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${goRoleRef(next.roleRef)}: cannot change roleRef`, field: 'roleRef' });
      break;
    case 'CustomResourceDefinition':
      immutable('spec.scope', previous.spec?.scope, next.spec?.scope, goScalar(next.spec?.scope));
      break;
  }
  return causes;
}

/**
 * 1.32 names the first cluster IP that changed (case-patch-immutable-service-clusterip.json:
 * `spec.clusterIPs[0]: … may not change once set`); 1.19 named `spec.clusterIP` as immutable.
 */
function validateServiceUpdate(before: Obj, after: Obj, profile: VersionProfile, causes: Cause[]): void {
  if (before.clusterIP === 'None' && after.clusterIP === 'None') return;
  if (profile.version === '1.19') {
    if (before.clusterIP !== after.clusterIP && before.type !== 'ExternalName' && after.type !== 'ExternalName') {
      causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${goScalar(after.clusterIP ?? '')}: field is immutable`, field: 'spec.clusterIP' });
    }
    return;
  }
  if (before.type === 'ExternalName' || after.type === 'ExternalName') return;
  const old = (before.clusterIPs ?? []) as unknown[];
  const now = (after.clusterIPs ?? []) as unknown[];
  if (old.length > 0 && now.length > 0 && old[0] !== now[0]) {
    causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${goStringSlice(now)}: may not change once set`, field: 'spec.clusterIPs[0]' });
  }
}
