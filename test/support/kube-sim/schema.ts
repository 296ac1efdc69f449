/**
 * What a field of an object is, read from the schemas a real server has: the OpenAPI v3 documents
 * captured from kube-apiserver 1.32 (test/fixtures/kube-apiserver-1.32/openapi-v3, `$ref`s
 * resolved) for built-in kinds, and a CRD's `openAPIV3Schema` for custom resources. Field
 * validation, pruning and managedFields all walk objects through this one view.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { KubeVersion } from './kinds.js';

type Obj = Record<string, any>;

export const OPENAPI_DIR = fileURLToPath(new URL('../../fixtures/kube-apiserver-1.32/openapi-v3/', import.meta.url));
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** What a node holds: a struct of named fields, a map of one element type, a list, a scalar, or anything. */
export type Shape = 'struct' | 'map' | 'list' | 'scalar' | 'any';

interface Context {
  document: Obj;
  /** ObjectMeta, for the root of a custom resource and for embedded resources. */
  objectMeta: () => SchemaView | undefined;
  /** Custom resources prune what their schema does not name; built-in kinds keep raw JSON fields (RawExtension). */
  custom: boolean;
  version: KubeVersion;
}

/** One node of a schema, with `$ref` and `allOf: [{$ref}]` wrappers resolved. */
export class SchemaView {
  readonly node: Obj;
  private readonly refName: string | undefined;

  /**
   * @param embedded an object with implicit `apiVersion`, `kind` and `metadata` (ObjectMeta): the
   *   root of a custom resource, or a field marked `x-kubernetes-embedded-resource`.
   */
  constructor(
    raw: Obj,
    private readonly context: Context,
    private readonly embedded = false,
  ) {
    const { node, refName } = resolve(raw, context.document);
    this.node = node;
    this.refName = refName;
  }

  get shape(): Shape {
    const node = this.node;
    if (node['x-kubernetes-int-or-string'] || node.format === 'int-or-string') return 'scalar';
    if (node.type === 'array' || node.items) return 'list';
    if (node.properties || this.embedded) return 'struct';
    if (node.additionalProperties !== undefined && node.additionalProperties !== false) return 'map';
    if (node.type === 'object') return this.context.custom && !this.preservesUnknownFields ? 'struct' : 'any';
    if (typeof node.type === 'string') return 'scalar';
    if (Array.isArray(node.oneOf) && node.oneOf.every((option: Obj) => typeof option.type === 'string' && option.type !== 'object' && option.type !== 'array')) return 'scalar';
    return 'any';
  }

  /** Fields the schema does not name are kept (and not reported) under this node. */
  get preservesUnknownFields(): boolean {
    return this.node['x-kubernetes-preserve-unknown-fields'] === true;
  }

  get nullable(): boolean {
    return this.node.nullable === true;
  }

  /** A named field of a struct; undefined when the schema does not know it. */
  field(name: string): SchemaView | undefined {
    if (this.embedded) {
      if (name === 'metadata') return this.context.objectMeta();
      if (name === 'apiVersion' || name === 'kind') return new SchemaView({ type: 'string' }, this.context);
    }
    const property = this.node.properties?.[name];
    if (!property) return undefined;
    return new SchemaView(property, this.context, property['x-kubernetes-embedded-resource'] === true);
  }

  /** The names of the fields a struct declares. */
  get fieldNames(): string[] {
    return Object.keys(this.node.properties ?? {});
  }

  /** The schema of a map's values; `any` for `additionalProperties: true`. */
  get element(): SchemaView {
    const element = this.node.additionalProperties;
    return new SchemaView(element && typeof element === 'object' ? element : {}, this.context, element?.['x-kubernetes-embedded-resource'] === true);
  }

  get items(): SchemaView {
    const items = this.node.items ?? {};
    return new SchemaView(items, this.context, items['x-kubernetes-embedded-resource'] === true);
  }

  /** `x-kubernetes-list-type` (lists without one are atomic, as structured-merge-diff reads them). */
  get listType(): 'atomic' | 'set' | 'map' {
    const type = this.node['x-kubernetes-list-type'];
    // 1.19 keyed only the built-in lists that had a strategic-merge key (a CRD's conditions,
    // which has none, was one atomic list in its managedFields); CRD schemas' markers held.
    if (type === 'map' && this.context.version === '1.19' && !this.context.custom && !this.node['x-kubernetes-patch-merge-key']) return 'atomic';
    return type === 'set' || type === 'map' ? type : 'atomic';
  }

  get listKeys(): string[] {
    return this.node['x-kubernetes-list-map-keys'] ?? [];
  }

  /** A struct or map replaced as a whole (`x-kubernetes-map-type: atomic`). */
  get atomic(): boolean {
    // 1.19's types were not yet marked atomic: its managedFields list a selector's matchLabels,
    // a Service's selector keys and a roleRef's fields (test/fixtures/kube-apiserver-1.19).
    if (this.context.version === '1.19') return false;
    return this.node['x-kubernetes-map-type'] === 'atomic';
  }

  /** Go writes this field even when unset: a non-pointer struct, which the generator marks `default: {}`. */
  get alwaysPresent(): boolean {
    const value = this.node.default;
    return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
  }

  get required(): string[] {
    return this.node.required ?? [];
  }

  get isObjectMeta(): boolean {
    return this.refName === OBJECT_META;
  }
}

function resolve(raw: Obj, document: Obj): { node: Obj; refName?: string } {
  let node: Obj = { ...raw };
  let refName: string | undefined;
  const follow = (ref: string) => {
    const name = ref.replace('#/components/schemas/', '');
    refName ??= name;
    const target = document.components?.schemas?.[name];
    if (!target) return {};
    const inner = resolve(target, document);
    return inner.node;
  };
  if (typeof node.$ref === 'string') {
    const target = follow(node.$ref);
    delete node.$ref;
    node = { ...target, ...node };
  }
  if (Array.isArray(node.allOf) && node.allOf.some((part: Obj) => typeof part.$ref === 'string')) {
    const parts = node.allOf as Obj[];
    delete node.allOf;
    for (const part of parts) if (typeof part.$ref === 'string') node = { ...follow(part.$ref), ...node };
  }
  return { node, ...(refName ? { refName } : {}) };
}

// ---- built-in kinds ---------------------------------------------------------------------------

interface Located {
  document: Obj;
  schema: Obj;
}

let documents: Map<string, Obj> | undefined;
const byKind = new Map<string, Located | null>();

/** The captured documents by the group version they describe (`v1`, `apps/v1`, …). */
export function capturedDocuments(): Map<string, Obj> {
  if (!documents) {
    documents = new Map();
    for (const file of readdirSync(OPENAPI_DIR)) {
      if (file === 'index.json' || !file.endsWith('.json')) continue;
      const groupVersion = file.replace(/\.json$/, '').replace(/^api_/, '').replace(/^apis_/, '').replace('_', '/');
      documents.set(groupVersion, JSON.parse(readFileSync(`${OPENAPI_DIR}${file}`, 'utf8')) as Obj);
    }
  }
  return documents;
}

/**
 * Group versions 1.19 served whose shape is that of a 1.32 version: their fields are checked
 * against the 1.32 document (1.19's own documents were not captured).
 */
const SAME_SHAPE: Record<string, string> = {
  'batch/v1beta1/CronJob': 'batch/v1/CronJob',
  'policy/v1beta1/PodDisruptionBudget': 'policy/v1/PodDisruptionBudget',
  'autoscaling/v2beta2/HorizontalPodAutoscaler': 'autoscaling/v2/HorizontalPodAutoscaler',
  'rbac.authorization.k8s.io/v1beta1/Role': 'rbac.authorization.k8s.io/v1/Role',
  'rbac.authorization.k8s.io/v1beta1/RoleBinding': 'rbac.authorization.k8s.io/v1/RoleBinding',
  'rbac.authorization.k8s.io/v1beta1/ClusterRole': 'rbac.authorization.k8s.io/v1/ClusterRole',
  'rbac.authorization.k8s.io/v1beta1/ClusterRoleBinding': 'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
};

function locate(group: string, version: string, kind: string): Located | undefined {
  const key = `${group}/${version}/${kind}`;
  if (SAME_SHAPE[key]) {
    const [g, v, k] = (SAME_SHAPE[key] as string).split('/') as [string, string, string];
    return locate(g, v, k);
  }
  if (!byKind.has(key)) {
    const document = capturedDocuments().get(group ? `${group}/${version}` : version);
    const schema = document
      ? Object.values((document.components?.schemas ?? {}) as Record<string, Obj>).find((candidate) =>
          (candidate['x-kubernetes-group-version-kind'] ?? []).some((gvk: Obj) => gvk.group === group && gvk.version === version && gvk.kind === kind),
        )
      : undefined;
    byKind.set(key, document && schema ? { document, schema } : null);
  }
  return byKind.get(key) ?? undefined;
}

function objectMetaView(version: KubeVersion): SchemaView | undefined {
  const core = capturedDocuments().get('v1');
  const schema = core?.components?.schemas?.[OBJECT_META];
  if (!core || !schema) return undefined;
  return new SchemaView({ $ref: `#/components/schemas/${OBJECT_META}`, default: {} }, { document: core, objectMeta: () => undefined, custom: false, version });
}

/** The schema of a built-in kind, or undefined when no captured document describes it. */
export function builtinSchema(group: string, version: string, kind: string, kubeVersion: KubeVersion): SchemaView | undefined {
  const located = locate(group, version, kind);
  if (!located) return undefined;
  return new SchemaView(located.schema, { document: located.document, objectMeta: () => objectMetaView(kubeVersion), custom: false, version: kubeVersion });
}

/** The schema of a custom resource from its CRD's `openAPIV3Schema`. */
export function customSchema(openAPIV3Schema: Obj, kubeVersion: KubeVersion): SchemaView {
  return new SchemaView(openAPIV3Schema, { document: {}, objectMeta: () => objectMetaView(kubeVersion), custom: true, version: kubeVersion }, true);
}
