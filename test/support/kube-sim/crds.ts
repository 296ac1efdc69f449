/**
 * CustomResourceDefinitions: the kinds an Established CRD serves, its schema (which fields a
 * custom resource may have, their defaults) and what its deletion takes with it.
 */
import { isDeepStrictEqual } from 'node:util';
import type { SimKind } from './kinds.js';
import type { ServedKind } from './discovery.js';
import { customSchema, type SchemaView } from './schema.js';
import type { KubeVersion } from './versions.js';
import { fail, type Cause } from './status.js';

type Obj = Record<string, any>;

export class CrdRegistry {
  /** Kinds of Established CRDs, by group version. */
  private readonly kinds = new Map<string, ServedKind[]>();

  constructor(private readonly version: KubeVersion) {}

  kindsOf(group: string, version: string): ServedKind[] {
    return this.kinds.get(`${group}/${version}`) ?? [];
  }

  all(): ServedKind[] {
    return [...this.kinds.values()].flat();
  }

  /** Starts serving the versions of an Established CRD. */
  register(crd: Obj): void {
    const spec = crd.spec;
    this.unregister(crd);
    for (const version of spec.versions ?? []) {
      if (version.served === false) continue;
      const key = `${spec.group}/${version.name}`;
      const kinds = this.kinds.get(key) ?? [];
      kinds.push({
        group: spec.group,
        version: version.name,
        kind: spec.names.kind,
        plural: spec.names.plural,
        singular: spec.names.singular ?? String(spec.names.kind).toLowerCase(),
        namespaced: spec.scope !== 'Cluster',
        ...(spec.names.shortNames ? { shortNames: spec.names.shortNames } : {}),
        ...(spec.names.categories ? { categories: spec.names.categories } : {}),
        statusSubresource: Boolean(version.subresources?.status),
        generation: true,
        deleteCollection: true,
        custom: true,
      });
      this.kinds.set(key, kinds);
    }
  }

  unregister(crd: Obj): void {
    const spec = crd.spec;
    for (const [key, kinds] of this.kinds) {
      const kept = kinds.filter((kind) => !(kind.group === spec.group && kind.plural === spec.names.plural));
      if (kept.length === 0) this.kinds.delete(key);
      else this.kinds.set(key, kept);
    }
  }

  /** The schema of one served version of a custom resource. */
  schemaOf(crd: Obj | undefined, kind: SimKind): SchemaView | undefined {
    const version = crd?.spec.versions?.find((v: Obj) => v.name === kind.version);
    const schema = version?.schema?.openAPIV3Schema;
    return schema ? customSchema(schema, this.version) : undefined;
  }
}

/** What the real server checks of a CRD before storing it (the parts the simulator relies on). */
export function validateCrd(kind: SimKind, crd: Obj): void {
  const spec = crd.spec ?? {};
  const causes: Cause[] = [];
  const expected = `${spec.names?.plural}.${spec.group}`;
  if (crd.metadata.name !== expected) {
    causes.push({ reason: 'FieldValueInvalid', message: `Invalid value: "${crd.metadata.name}": must be spec.names.plural+"."+spec.group`, field: 'metadata.name' });
  }
  (spec.versions ?? []).forEach((version: Obj, index: number) => {
    // apiextensions.k8s.io/v1 requires a structural schema for every version.
    if (!version.schema?.openAPIV3Schema) {
      causes.push({ reason: 'FieldValueRequired', message: 'Required value: schemas are required', field: `spec.versions[${index}].schema.openAPIV3Schema` });
    }
  });
  if (causes.length > 0) throw fail.invalid(kind, crd.metadata.name, causes);
}

/** Structural-schema `default`s, applied as the real server applies them (after pruning). */
export function applySchemaDefaults(value: unknown, schema: Obj): void {
  if (!value || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applySchemaDefaults(item, schema.items);
    return;
  }
  for (const [key, property] of Object.entries((schema.properties ?? {}) as Record<string, Obj>)) {
    const record = value as Obj;
    if (record[key] === undefined && property.default !== undefined) record[key] = structuredClone(property.default);
    if (record[key] !== undefined) applySchemaDefaults(record[key], property);
  }
  const additional = schema.additionalProperties;
  if (additional && typeof additional === 'object') for (const inner of Object.values(value as Obj)) applySchemaDefaults(inner, additional);
}

/**
 * The immutability rules of a CRD's schema (`x-kubernetes-validations` rule `self == oldSelf`,
 * as kubebuilder's `XValidation` writes it) checked on update as the real server's CEL validator
 * checks them: a transition rule runs only where the old object had the value, and a failure is
 * a cause at the field's path with the rule's reason (default FieldValueInvalid) and message,
 * the value shown as its schema type (`Invalid value: "string": region is immutable`). Other CEL
 * rules are not evaluated by the simulator.
 */
export function validateTransitionRules(previous: unknown, next: unknown, schema: Obj, path = ''): Cause[] {
  if (previous === undefined || next === undefined) return [];
  const causes: Cause[] = [];
  for (const rule of Array.isArray(schema['x-kubernetes-validations']) ? schema['x-kubernetes-validations'] : []) {
    if (!isSelfEqualsOldSelf(rule?.rule) || isDeepStrictEqual(previous, next)) continue;
    const field = `${path}${typeof rule.fieldPath === 'string' ? rule.fieldPath : ''}`.replace(/^\./, '');
    causes.push({ reason: rule.reason ?? 'FieldValueInvalid', message: `Invalid value: "${schema.type ?? 'object'}": ${rule.message ?? `failed rule: ${rule.rule}`}`, field });
  }
  if (isObject(previous) && isObject(next)) {
    for (const [name, property] of Object.entries((schema.properties ?? {}) as Obj)) {
      causes.push(...validateTransitionRules(previous[name], next[name], property, `${path}.${name}`));
    }
  }
  return causes;
}

function isSelfEqualsOldSelf(rule: unknown): boolean {
  return typeof rule === 'string' && /^(self\s*==\s*oldSelf|oldSelf\s*==\s*self)$/.test(rule.trim());
}

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
