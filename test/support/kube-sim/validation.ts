/** Validation the API server applies: names, required fields, immutable fields. */
import { isDeepStrictEqual } from 'node:util';
import type { Cause } from './status.js';

type Obj = Record<string, any>;

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_MESSAGE =
  "a DNS-1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MESSAGE =
  "a DNS-1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

export function validateObject(object: Obj): Cause[] {
  const causes: Cause[] = [];
  const name = object.metadata?.name;
  if (!name) {
    causes.push({ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' });
    return causes;
  }
  if (RBAC_KINDS.has(object.kind)) {
    if (/[/%]/.test(name) || name === '.' || name === '..') causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: "${name}": may not contain '/' or '%'`, field: 'metadata.name' });
  } else if (object.kind === 'Namespace' || object.kind === 'Service') {
    if (!LABEL.test(name) || name.length > 63) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: "${name}": ${LABEL_MESSAGE}`, field: 'metadata.name' });
  } else if (!SUBDOMAIN.test(name) || name.length > 253) {
    causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: "${name}": ${SUBDOMAIN_MESSAGE}`, field: 'metadata.name' });
  }
  for (const field of ['labels', 'annotations']) {
    const values = object.metadata?.[field];
    if (values && typeof values === 'object') {
      for (const [key, value] of Object.entries(values)) {
        if (typeof value !== 'string') causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: must be a string`, field: `metadata.${field}.${key}` });
      }
    }
  }
  const spec = object.spec as Obj | undefined;
  switch (object.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet': {
      if (!spec?.selector) causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' });
      const labels = spec?.template?.metadata?.labels ?? {};
      const match = spec?.selector?.matchLabels ?? {};
      if (spec?.selector && Object.entries(match).some(([k, v]) => labels[k] !== v)) {
        causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\``, field: 'spec.template.metadata.labels' });
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

/** Immutable fields: changing them is a 422 "field is immutable". */
export function validateUpdate(previous: Obj, next: Obj): Cause[] {
  const causes: Cause[] = [];
  const immutable = (field: string, before: unknown, after: unknown, shown: unknown = after) => {
    if (!isDeepStrictEqual(before, after)) causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(shown)}: field is immutable`, field });
  };
  switch (next.kind) {
    case 'Deployment':
    case 'ReplicaSet':
    case 'DaemonSet':
      immutable('spec.selector', previous.spec?.selector, next.spec?.selector);
      break;
    case 'StatefulSet':
      immutable('spec.selector', previous.spec?.selector, next.spec?.selector);
      immutable('spec.serviceName', previous.spec?.serviceName, next.spec?.serviceName);
      immutable('spec.volumeClaimTemplates', previous.spec?.volumeClaimTemplates, next.spec?.volumeClaimTemplates);
      break;
    case 'Job':
      immutable('spec.selector', previous.spec?.selector, next.spec?.selector);
      immutable('spec.template', previous.spec?.template, next.spec?.template);
      immutable('spec.completions', previous.spec?.completions, next.spec?.completions);
      break;
    case 'Service':
      if (next.spec?.clusterIP !== undefined && previous.spec?.clusterIP !== 'None') immutable('spec.clusterIP', previous.spec?.clusterIP, next.spec?.clusterIP);
      break;
    case 'PersistentVolumeClaim': {
      const strip = (spec: Obj | undefined) => ({ ...spec, resources: undefined });
      immutable('spec', strip(previous.spec), strip(next.spec), 'spec is immutable after creation except resources.requests');
      break;
    }
    case 'ConfigMap':
    case 'Secret':
      if (previous.immutable === true) {
        immutable('data', previous.data, next.data, 'field is immutable when `immutable` is set');
        immutable('immutable', previous.immutable, next.immutable);
      }
      break;
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      immutable('roleRef', previous.roleRef, next.roleRef);
      break;
    case 'CustomResourceDefinition':
      immutable('spec.scope', previous.spec?.scope, next.spec?.scope);
      break;
  }
  return causes;
}
