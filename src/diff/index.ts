/**
 * The diff engine, pure functions only: normalization (server-owned fields, Secret stringData),
 * the three-way merge of base, desired and live into a target — driven by the server's schema
 * (list semantics, atomic objects, quantities and int-or-string where the schema says so) —,
 * drift, the JSON Patch that turns live into target (guarded by a resourceVersion test), ignore
 * rules, and readable, masked output.
 */
export { computeTarget, schemaFor, type DiffOptions, type IgnoreRule, type ListKeySchema } from './merge.js';
export { diffObject, changedPaths, type DiffAction, type DiffInput, type ObjectDiff, type JsonPatchOperation } from './diff-object.js';
export { normalizeObject, prepareObject, pruneEmpty } from './normalize.js';
export { isImmutableField, schemaAt, type KindSchema, type ListSemantics, type SchemaFacts, type SchemaLink, type SchemaNode } from './schema.js';
export { schemaFromOpenApi, kindsInOpenApi, type GroupVersionKind } from './schema-from-openapi.js';
export { schemaFromCrd } from './schema-from-crd.js';
export { builtinSchema } from './builtin-schemas.js';
export { listKeysFromCrd } from './list-keys.js';
export { parseQuantity, quantitiesEqual } from './quantity.js';
export { formatDiff, diffToJson, summarizeDiffs } from './format.js';
export { diffLines, unifiedHunks, type DiffLine, type HunkOptions, type LineDiff, type LineDiffOptions } from './line-diff.js';
