/**
 * Applying a revision: the pure planner (dependency DAG → ordered layers), then one verb per file
 * — resolve (discovery per kind), read-live (one LIST per kind and namespace), validate
 * (ownership, three-way diff, server dry-run), write (create / JSON-patch with conflict retry),
 * recreate, wait-for-dependencies — told as a story by `applyObjects`; ownership rules (sync
 * labels, adoption) and prune. It decides no policy: whether to roll back is src/sync's call.
 */
export { planLayers, deletionOrder, kindRank, type Plan, type PlannedLayer } from './planner.js';
export { applyObjects, ApplyError, type ApplyClient, type ApplyRequest, type ApplyResult } from './apply-objects.js';
export { SchemaCatalog, type KindSchemas } from './schemas.js';
export type { LiveCache } from './read-live.js';
export { pruneObjects, pruneCandidates, PruneRefusedError, type PruneRequest } from './prune.js';
export {
  summarizeChanges,
  hasWrites,
  describeFailures,
  type ChangeAction,
  type ChangeEntry,
  type ChangeSetSummary,
  type ApplyEvent,
} from './changeset.js';
export {
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  SYNC_LABEL,
  ADOPT_ANNOTATION,
  FORCE_ANNOTATION,
  PRUNE_ANNOTATION,
  OwnershipConflictError,
  syncId,
  withSyncLabels,
  checkOwnership,
  type AdoptionBounds,
} from './ownership.js';
