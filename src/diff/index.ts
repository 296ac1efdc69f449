/**
 * The diff engine, pure functions only: normalization (server-owned fields, quantities,
 * int-or-string, Secret stringData), the three-way merge of base, desired and live into a
 * target, drift, the JSON Patch that turns live into target (guarded by a resourceVersion test),
 * ignore rules, and readable, masked output.
 */
export { computeTarget, isSubset, type DiffOptions, type IgnoreRule } from './merge.js';
export { diffObject, changedPaths, type DiffAction, type DiffInput, type ObjectDiff, type JsonPatchOperation } from './diff-object.js';
export { normalizeObject, prepareObject, pruneEmpty } from './normalize.js';
export { listKeysFromCrd, listKeyFor, type ListKeySchema } from './list-keys.js';
export { parseQuantity, quantitiesEqual } from './quantity.js';
export { formatDiff, diffToJson, summarizeDiffs } from './format.js';
export { diffLines, unifiedHunks } from './line-diff.js';
