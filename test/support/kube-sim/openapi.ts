/**
 * `/openapi/v3`: the index of documents and one document per group version. Built-in group
 * versions are served from the documents captured from kube-apiserver 1.32 (only those were
 * captured: core, apps, batch, networking, rbac, policy, autoscaling/v2, apiextensions); a custom
 * resource's group version gets a document built from its CRDs' schemas, the way the apiserver
 * builds one: each kind's `openAPIV3Schema` under `<reversed group>.<version>.<Kind>` with its
 * group-version-kind, `metadata` referring to ObjectMeta, a `<Kind>List`, and the meta schemas
 * they refer to. Its `paths` are a sketch (get and list of the resource), not the full set of
 * operations the real builder writes.
 */
import { createHash } from 'node:crypto';
import { capturedDocuments } from './schema.js';
import type { ServedKind } from './discovery.js';

type Obj = Record<string, any>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

function hashOf(document: Obj): string {
  return createHash('sha512').update(JSON.stringify(document)).digest('hex').toUpperCase();
}

/** `api/v1`, `apis/apps/v1`: how the index names a group version's document. */
export function documentPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function openApiIndex(documents: Map<string, Obj>): Obj {
  const paths: Obj = {};
  for (const [path, document] of [...documents.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hashOf(document)}` };
  }
  return { paths };
}

/** The captured documents of built-in group versions the simulator serves, by index path. */
export function builtinDocuments(kinds: ServedKind[]): Map<string, Obj> {
  const served = new Set(kinds.filter((kind) => !kind.custom).map((kind) => documentPath(kind.group, kind.version)));
  const out = new Map<string, Obj>();
  for (const [groupVersion, document] of capturedDocuments()) {
    const path = groupVersion.includes('/') ? `apis/${groupVersion}` : `api/${groupVersion}`;
    if (served.has(path)) out.set(path, document);
  }
  return out;
}

function reversedGroup(group: string): string {
  return group.split('.').reverse().join('.');
}

/** Every schema `name` refers to, transitively, from the captured core document. */
function metaSchemas(names: string[]): Obj {
  const core = capturedDocuments().get('v1')?.components?.schemas ?? {};
  const out: Obj = {};
  const visit = (name: string) => {
    if (out[name] || !core[name]) return;
    out[name] = core[name];
    const refs = JSON.stringify(core[name]).match(/#\/components\/schemas\/[^"]+/g) ?? [];
    for (const ref of refs) visit(ref.replace('#/components/schemas/', ''));
  };
  for (const name of names) visit(name);
  return out;
}

/** The document of one custom resource group version, from the CRDs that serve it. */
export function customDocument(group: string, version: string, kinds: Array<{ kind: ServedKind; schema: Obj }>): Obj {
  const schemas: Obj = metaSchemas([`${META}.ObjectMeta`, `${META}.ListMeta`]);
  const paths: Obj = {};
  for (const { kind, schema } of kinds) {
    const name = `${reversedGroup(group)}.${version}.${kind.kind}`;
    const gvk = (k: string) => [{ group, kind: k, version }];
    schemas[name] = {
      ...schema,
      properties: {
        ...schema.properties,
        apiVersion: { type: 'string', ...schema.properties?.apiVersion },
        kind: { type: 'string', ...schema.properties?.kind },
        metadata: { allOf: [{ $ref: `#/components/schemas/${META}.ObjectMeta` }] },
      },
      'x-kubernetes-group-version-kind': gvk(kind.kind),
    };
    schemas[`${name}List`] = {
      type: 'object',
      required: ['items'],
      properties: {
        apiVersion: { type: 'string' },
        items: { type: 'array', items: { $ref: `#/components/schemas/${name}` } },
        kind: { type: 'string' },
        metadata: { allOf: [{ $ref: `#/components/schemas/${META}.ListMeta` }] },
      },
      'x-kubernetes-group-version-kind': gvk(`${kind.kind}List`),
    };
    const collection = kind.namespaced ? `/apis/${group}/${version}/namespaces/{namespace}/${kind.plural}` : `/apis/${group}/${version}/${kind.plural}`;
    const respond = (ref: string) => ({ responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } } } });
    paths[collection] = { get: respond(`${name}List`) };
    paths[`${collection}/{name}`] = { get: respond(name) };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes CRD Swagger', version: 'v0.1.0' }, paths, components: { schemas } };
}
