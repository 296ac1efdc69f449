import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { builtinSchema, diffObject, isImmutableField, listKeysFromCrd, schemaAt, schemaFromCrd, schemaFromOpenApi, type KindSchema } from '../../src/diff/index.js';
import { GENERATED, generatedSource } from './support/write-builtin-schemas.js';
import { openApiDocument } from './support/builtin-sources.js';
import { crdNamed } from './support/schemas.js';

const apps = openApiDocument('apps/v1');
const core = openApiDocument('v1');
const deployment = schemaFromOpenApi(apps, { group: 'apps', version: 'v1', kind: 'Deployment' }) as KindSchema;
const service = schemaFromOpenApi(core, { group: '', version: 'v1', kind: 'Service' }) as KindSchema;
const serviceAccount = schemaFromOpenApi(core, { group: '', version: 'v1', kind: 'ServiceAccount' }) as KindSchema;

const POD = 'spec.template.spec';

// `list` absent means atomic: replaced as a whole.
describe('schemaFromOpenApi reads a 1.32 server document', () => {
  it.each([
    [`${POD}.containers`, { list: { type: 'map', keys: ['name'] } }],
    [`${POD}.containers[].ports`, { list: { type: 'map', keys: ['containerPort', 'protocol'], keyDefaults: { protocol: 'TCP' } } }],
    [`${POD}.containers[].env`, { list: { type: 'map', keys: ['name'] } }],
    [`${POD}.containers[].volumeMounts`, { list: { type: 'map', keys: ['mountPath'] } }],
    [`${POD}.containers[].resizePolicy`, {}],
    [`${POD}.topologySpreadConstraints`, { list: { type: 'map', keys: ['topologyKey', 'whenUnsatisfiable'] } }],
    [`${POD}.schedulingGates`, { list: { type: 'map', keys: ['name'] } }],
    [`${POD}.resourceClaims`, { list: { type: 'map', keys: ['name'] } }],
    [`${POD}.volumes`, { list: { type: 'map', keys: ['name'] } }],
    [`${POD}.volumes[]`, { type: 'io.k8s.api.core.v1.Volume' }],
    [`${POD}.tolerations`, {}],
    [`${POD}.nodeSelector`, { map: true, atomic: true }],
    [`${POD}.containers[].resources.limits`, { map: true }],
    [`${POD}.containers[].resources.limits.cpu`, { scalar: 'quantity' }],
    [`${POD}.containers[].env[].value`, {}],
    ['spec.strategy.rollingUpdate.maxSurge', { scalar: 'int-or-string' }],
    ['spec.selector', { atomic: true, type: 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector' }],
    ['metadata.labels', { map: true }],
    ['metadata.labels.app', {}],
    ['metadata.finalizers', { list: { type: 'set' } }],
    ['metadata.ownerReferences', { list: { type: 'map', keys: ['uid'] } }],
  ])('Deployment %s', (path, facts) => {
    expect(schemaAt(deployment, path)).toMatchObject(facts);
    if (!('scalar' in facts)) expect(schemaAt(deployment, path).scalar).toBeUndefined();
    if (!('list' in facts)) expect(schemaAt(deployment, path).list).toBeUndefined();
  });

  it('keys Service ports by port and protocol, a ServiceAccount’s imagePullSecrets not at all', () => {
    expect(schemaAt(service, 'spec.ports').list).toEqual({ type: 'map', keys: ['port', 'protocol'], keyDefaults: { protocol: 'TCP' } });
    expect(schemaAt(service, 'spec.ports[].targetPort').scalar).toBe('int-or-string');
    expect(schemaAt(serviceAccount, 'imagePullSecrets').list).toBeUndefined();
  });

  it('finds nothing for a kind the document does not describe, and knows built-in kinds are typed', () => {
    expect(schemaFromOpenApi(apps, { group: 'apps', version: 'v1', kind: 'Widget' })).toBeUndefined();
    expect(schemaFromOpenApi(apps, { group: 'batch', version: 'v1', kind: 'Job' })).toBeUndefined();
    expect(schemaFromOpenApi(undefined, { group: 'apps', version: 'v1', kind: 'Deployment' })).toBeUndefined();
    expect(deployment.storage).toBe('typed');
  });

  it('reads a custom resource the server publishes as custom storage', () => {
    const document = {
      components: {
        schemas: {
          'com.example.v1.Widget': {
            type: 'object',
            properties: {
              metadata: { allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }] },
              spec: { type: 'object', properties: { ports: { type: 'array', items: { type: 'object' }, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] } } },
            },
            'x-kubernetes-group-version-kind': [{ group: 'example.com', version: 'v1', kind: 'Widget' }],
          },
          'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': (core as { components: { schemas: Record<string, unknown> } }).components.schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'],
        },
      },
    };
    const widget = schemaFromOpenApi(document, { group: 'example.com', version: 'v1', kind: 'Widget' });
    expect(widget?.storage).toBe('custom');
    expect(schemaAt(widget, 'spec.ports').list).toEqual({ type: 'map', keys: ['name'] });
    expect(schemaAt(widget, 'metadata.finalizers').list).toEqual({ type: 'set' });
  });
});

describe('schemaFromCrd reads a CRD version the same way', () => {
  const widget = schemaFromCrd(crdNamed('widgets.example.com')) as KindSchema;
  const cache = schemaFromCrd(crdNamed('caches.example.com'), 'v1') as KindSchema;

  it.each([
    [widget, 'spec.ports', { list: { type: 'map', keys: ['name'] } }],
    [widget, 'spec.size', {}],
    [widget, 'metadata.finalizers', { list: { type: 'set' } }],
    [widget, 'metadata.ownerReferences', { list: { type: 'map', keys: ['uid'] } }],
    [cache, 'spec.nodes', { list: { type: 'map', keys: ['zone', 'index'], keyDefaults: { index: 0 } } }],
    [cache, 'spec.tags', { list: { type: 'set' } }],
    [cache, 'spec.selector', { map: true, atomic: true }],
    [cache, 'spec.replicas', { scalar: 'int-or-string' }],
    [cache, 'spec.limits.cpu', { scalar: 'int-or-string' }],
    [cache, 'spec.memory', {}],
    [cache, 'spec.template.metadata.finalizers', { list: { type: 'set' } }],
  ])('%#: %s', (schema, path, facts) => {
    expect(schemaAt(schema, path)).toMatchObject(facts);
  });

  it('knows the fields a `self == oldSelf` rule makes immutable, by the paths the server names in its errors', () => {
    const immutable = { 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'is immutable' }] };
    const crd: KubeObject = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'buckets.example.com' },
      spec: {
        group: 'example.com',
        names: { kind: 'Bucket', plural: 'buckets' },
        versions: [
          {
            name: 'v1',
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    properties: {
                      region: { type: 'string', ...immutable },
                      versioning: { type: 'boolean', 'x-kubernetes-validations': [{ rule: 'oldSelf || !self', message: 'cannot be turned off' }] },
                      replicas: { type: 'array', items: { type: 'object', properties: { zone: { type: 'string', ...immutable }, size: { type: 'integer' } } } },
                      tags: { type: 'object', additionalProperties: { type: 'string', ...immutable } },
                      storage: { type: 'object', ...immutable, properties: { class: { type: 'string' } } },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    };
    const bucket = schemaFromCrd(crd) as KindSchema;
    expect(schemaAt(bucket, 'spec.region')).toMatchObject({ immutable: true });
    expect(isImmutableField(bucket, 'spec.region')).toBe(true);
    expect(isImmutableField(bucket, 'spec.replicas[2].zone')).toBe(true);
    expect(isImmutableField(bucket, 'spec.tags[team]')).toBe(true);
    expect(isImmutableField(bucket, 'spec.storage.class')).toBe(true);
    // Other transition rules are not immutability, and neither are the fields beside it.
    expect(isImmutableField(bucket, 'spec.versioning')).toBe(false);
    expect(isImmutableField(bucket, 'spec.replicas[2].size')).toBe(false);
    expect(isImmutableField(bucket, 'spec')).toBe(false);
    expect(isImmutableField(undefined, 'spec.region')).toBe(false);
  });

  it('stores custom resources as sent, and knows no version it does not have', () => {
    expect(widget).toMatchObject({ group: 'example.com', version: 'v1', kind: 'Widget', storage: 'custom' });
    expect(schemaFromCrd(crdNamed('widgets.example.com'), 'v2')).toBeUndefined();
  });
});

describe('the built-in table, for servers without OpenAPI v3', () => {
  it('is what schemaFromOpenApi reads from the 1.32 documents (regenerate with the script it names)', () => {
    expect(readFileSync(GENERATED, 'utf8')).toBe(generatedSource());
  });

  it('answers like the server document for the same kind', () => {
    const fallback = builtinSchema('apps/v1', 'Deployment');
    for (const path of [`${POD}.containers[].ports`, `${POD}.topologySpreadConstraints`, 'metadata.finalizers', `${POD}.containers[].resources.requests.memory`]) {
      expect(schemaAt(fallback, path), path).toEqual(schemaAt(deployment, path));
    }
  });

  it('serves older versions of a kind from the newest it knows, and no custom kinds', () => {
    expect(schemaAt(builtinSchema('batch/v1beta1', 'CronJob'), 'spec.jobTemplate.spec.template.spec.containers').list).toEqual({ type: 'map', keys: ['name'] });
    expect(schemaAt(builtinSchema('extensions/v1beta1', 'Deployment'), 'spec.template.spec.containers').list).toEqual({ type: 'map', keys: ['name'] });
    expect(builtinSchema('example.com/v1', 'Deployment')).toBeUndefined();
  });

  it('keys admission webhooks by name', () => {
    expect(schemaAt(builtinSchema('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration'), 'webhooks').list).toEqual({ type: 'map', keys: ['name'] });
  });
});

describe('schemas are per kind', () => {
  /** A CRD whose spec.ports is keyed by port alone. */
  const tunnels = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'tunnels.example.com' },
    spec: {
      group: 'example.com',
      names: { kind: 'Tunnel', plural: 'tunnels' },
      scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port'], items: { type: 'object', properties: { port: { type: 'integer' } } } } } } } } } }],
    },
  } as KubeObject;
  const dns = (nodePorts: boolean): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'dns', namespace: 'kube-system', resourceVersion: '70' },
    spec: {
      type: 'NodePort',
      selector: { app: 'dns' },
      ports: [
        { name: 'dns-tcp', port: 53, protocol: 'TCP', ...(nodePorts ? { nodePort: 30053, targetPort: 53 } : {}) },
        { name: 'dns', port: 53, protocol: 'UDP', ...(nodePorts ? { nodePort: 30054, targetPort: 53 } : {}) },
      ],
    },
  });

  it('a CRD keying spec.ports by port does not change how a Service’s 53/TCP and 53/UDP merge', () => {
    const diff = diffObject({ desired: dns(false), live: dns(true) }, { listKeys: listKeysFromCrd(tunnels) });
    expect(diff.action).toBe('unchanged');
    expect((diff.target?.spec as { ports: Array<{ nodePort: number }> }).ports.map((p) => p.nodePort)).toEqual([30053, 30054]);
  });

  it('a schema for another kind is refused rather than misapplied', () => {
    expect(() => diffObject({ desired: dns(false), live: dns(true) }, { schema: deployment })).toThrow(/Deployment.*Service/);
  });
});
