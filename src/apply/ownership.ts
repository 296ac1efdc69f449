import type { KubeObject } from '../objects.js';
import { formatRef, refOf } from '../objects.js';
import { FerryError } from '../errors.js';

import { ADOPT_ANNOTATION, MANAGED_BY_LABEL, MANAGED_BY_VALUE, SYNC_LABEL } from '../well-known.js';

export { MANAGED_BY_LABEL, MANAGED_BY_VALUE, SYNC_LABEL, ADOPT_ANNOTATION, FORCE_ANNOTATION, PRUNE_ANNOTATION } from '../well-known.js';

/** `<namespace>.<name>` of a GitSync: the value of the sync label on everything it owns. */
export function syncId(namespace: string, name: string): string {
  return `${namespace}.${name}`;
}

/** A copy of `object` carrying the managed-by and sync labels. */
export function withSyncLabels(object: KubeObject, sync: string): KubeObject {
  return {
    ...object,
    metadata: {
      ...object.metadata,
      labels: { ...(object.metadata.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [SYNC_LABEL]: sync },
    },
  };
}

/** Kubernetes' limit on a label value. */
const MAX_LABEL_VALUE = 63;

/** Raised when a GitSync's namespace and name do not fit in the sync label. */
export class SyncLabelError extends FerryError {}

/**
 * Refuses a sync whose id cannot be a label value (at most 63 characters): every write would fail
 * on it. The message names the GitSync and says how long namespace and name may be together.
 */
export function checkSyncLabel(sync: string): SyncLabelError | undefined {
  if (sync.length <= MAX_LABEL_VALUE) return undefined;
  const dot = sync.indexOf('.');
  const gitsync = dot > 0 ? `GitSync/${sync.slice(0, dot)}/${sync.slice(dot + 1)}` : `GitSync ${sync}`;
  return new SyncLabelError(
    'APPLY_SYNC_LABEL_TOO_LONG',
    `${gitsync}: its objects' label ${SYNC_LABEL}=<namespace>.<name> would be ${sync.length} characters, and Kubernetes allows at most ${MAX_LABEL_VALUE} in a label value; give the GitSync a shorter name (namespace and name together at most ${MAX_LABEL_VALUE - 1} characters)`,
    { details: { sync, length: sync.length } },
  );
}

/**
 * Where `ferry.dev/adopt` may reach: without bounds a GitSync could take over any unmanaged
 * object (kube-system's included) just by naming it in Git.
 */
export interface AdoptionBounds {
  /** Namespaces whose unmanaged objects may be adopted: the ones the sync targets or already manages. */
  namespaces: readonly string[];
  /** Whether cluster-scoped objects may be adopted at all (the agent's `--allow-cluster-adoption`). */
  clusterScoped: boolean;
}

/** Raised when an object exists but belongs to someone else. */
export class OwnershipConflictError extends FerryError {}

/** True when an annotation is set to "true" on the object. */
export function isAnnotationTrue(object: KubeObject | undefined | null, annotation: string): boolean {
  return object?.metadata.annotations?.[annotation] === 'true';
}

/**
 * Decides whether ferry may write to an existing object. An object labelled by another GitSync
 * is never taken over; an object ferry did not create is taken over only when the manifest in
 * Git says `ferry.dev/adopt: "true"`. Returns the error to report, or undefined when it may.
 */
export function checkOwnership(desired: KubeObject, live: KubeObject, sync: string, adoption?: AdoptionBounds): OwnershipConflictError | undefined {
  const ref = formatRef(refOf(live));
  const owner = live.metadata.labels?.[SYNC_LABEL];
  if (owner === sync) return undefined;
  if (owner) {
    return new OwnershipConflictError(
      'APPLY_OWNED_BY_OTHER_SYNC',
      `${ref}: owned by GitSync ${owner.replace('.', '/')} (label ${SYNC_LABEL}=${owner}); ferry does not take over another sync's objects — remove it from one of the two repositories`,
      { details: { ref: refOf(live), owner } },
    );
  }
  if (isAnnotationTrue(desired, ADOPT_ANNOTATION)) return adoption ? checkAdoption(live, adoption) : undefined;
  const manager = live.metadata.labels?.[MANAGED_BY_LABEL];
  return new OwnershipConflictError(
    'APPLY_NOT_MANAGED',
    `${ref}: already exists and was not created by ferry${manager ? ` (managed by ${manager})` : ''}; set the annotation ${ADOPT_ANNOTATION}: "true" in Git to let ferry adopt it`,
    { details: { ref: refOf(live), ...(manager ? { manager } : {}) } },
  );
}

/** An adoption outside the bounds: another namespace, or a cluster-scoped object without the agent's consent. */
function checkAdoption(live: KubeObject, bounds: AdoptionBounds): OwnershipConflictError | undefined {
  const namespace = live.metadata.namespace;
  if (namespace ? bounds.namespaces.includes(namespace) : bounds.clusterScoped) return undefined;
  const ref = formatRef(refOf(live));
  const why = namespace
    ? `namespace ${namespace} is not one this GitSync targets or already manages (${bounds.namespaces.join(', ') || 'none'})`
    : 'it is cluster-scoped, and the agent adopts cluster-scoped objects only with --allow-cluster-adoption';
  return new OwnershipConflictError('APPLY_ADOPTION_REFUSED', `${ref}: not adopted (${ADOPT_ANNOTATION}: "true"): ${why}; it already exists and was not created by ferry`, {
    details: { ref: refOf(live), ...(namespace ? { namespace } : { clusterScoped: true }) },
  });
}
