import { readFileSync, readdirSync } from 'node:fs';

const DOCUMENTS = new URL('../../fixtures/kube-apiserver-1.32/openapi-v3/', import.meta.url);

/** The OpenAPI v3 documents a real 1.32 server served (`/openapi/v3/...`), by file name. */
export function openApiDocuments(): Map<string, unknown> {
  const documents = new Map<string, unknown>();
  for (const file of readdirSync(DOCUMENTS).sort()) {
    if (file === 'index.json' || !file.endsWith('.json')) continue;
    documents.set(file, JSON.parse(readFileSync(new URL(file, DOCUMENTS), 'utf8')));
  }
  return documents;
}

/** The 1.32 document of one group version (`apps/v1`, `v1`). */
export function openApiDocument(groupVersion: string): unknown {
  const file = groupVersion.includes('/') ? `apis_${groupVersion.replace('/', '_')}.json` : `api_${groupVersion}.json`;
  const document = openApiDocuments().get(file);
  if (!document) throw new Error(`no captured OpenAPI v3 document for ${groupVersion}`);
  return document;
}

/**
 * admissionregistration.k8s.io/v1 was not captured; this is the part of its document that
 * matters to a merge, in the server's shape: both webhook configurations key `webhooks` by
 * `name` (the Go types say `+listType=map`, `+listMapKey=name`, `+patchMergeKey=name`).
 */
export const ADMISSION_REGISTRATION_V1 = {
  openapi: '3.0.0',
  components: {
    schemas: Object.fromEntries(
      ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'].map((kind) => [
        `io.k8s.api.admissionregistration.v1.${kind}`,
        {
          type: 'object',
          properties: {
            metadata: { default: {}, allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }] },
            webhooks: {
              type: 'array',
              items: { default: {}, allOf: [{ $ref: `#/components/schemas/io.k8s.api.admissionregistration.v1.${kind.replace('Configuration', '')}` }] },
              'x-kubernetes-list-map-keys': ['name'],
              'x-kubernetes-list-type': 'map',
              'x-kubernetes-patch-merge-key': 'name',
              'x-kubernetes-patch-strategy': 'merge',
            },
          },
          'x-kubernetes-group-version-kind': [{ group: 'admissionregistration.k8s.io', kind, version: 'v1' }],
        },
      ]),
    ),
  },
};

/** What the built-in table is made from: the captured documents, then the supplement. */
export function builtinSources(): unknown[] {
  const documents = [...openApiDocuments().values()];
  const core = documents.find((d) => JSON.stringify(d).includes('"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"')) as { components: { schemas: Record<string, unknown> } };
  // The supplement borrows ObjectMeta and friends from a captured document, as the server's would carry them.
  const shared = Object.fromEntries(Object.entries(core.components.schemas).filter(([name]) => name.startsWith('io.k8s.apimachinery.pkg.apis.meta.v1.')));
  return [...documents, { ...ADMISSION_REGISTRATION_V1, components: { schemas: { ...shared, ...ADMISSION_REGISTRATION_V1.components.schemas } } }];
}
