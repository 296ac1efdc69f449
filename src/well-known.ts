/**
 * Every label and annotation ferry reads or writes, in one place (as Kubernetes keeps its
 * well-known labels and annotations). Other modules import these names; none spells a
 * `ferry.dev/…` key of its own.
 */

/** The API group, version and kind of the GitSync resource. */
export const GITSYNC_API_VERSION = 'ferry.dev/v1alpha1';
export const GITSYNC_KIND = 'GitSync';

// ---- labels on every object ferry applies (DESIGN.md, "The GitSync resource") --------------

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'ferry';
/** `<namespace>.<name>` of the GitSync that owns the object. */
export const SYNC_LABEL = 'ferry.dev/sync';

// ---- annotations users set on objects in Git to steer ferry ---------------------------------

/** `"true"`: ferry may take over an existing object it did not create. */
export const ADOPT_ANNOTATION = 'ferry.dev/adopt';
/** `"true"`: ferry may delete and recreate the object when an immutable field changes. */
export const FORCE_ANNOTATION = 'ferry.dev/force';
/** `"false"`: never prune the object. */
export const PRUNE_ANNOTATION = 'ferry.dev/prune';
/** `Kind/namespace/name, …`: apply after these objects are ready. */
export const DEPENDS_ON_ANNOTATION = 'ferry.dev/depends-on';
/** An integer: objects of a lower wave are applied first. */
export const WAVE_ANNOTATION = 'ferry.dev/wave';
/**
 * `ignore`: the object is healthy once it exists; its status is not assessed (a LoadBalancer
 * Service on a cluster without a load-balancer controller never gets an address).
 */
export const HEALTH_ANNOTATION = 'ferry.dev/health';
export const HEALTH_IGNORE = 'ignore';
/**
 * On the pod template of a Helm hook Job whose delete policy is `before-hook-creation` (Helm's
 * default): a digest of the release as rendered. It changes whenever anything of the release
 * changes, so the Job is recreated (it carries `ferry.dev/force`) and runs again, as Helm and
 * Argo CD run hooks on every upgrade; an unchanged render leaves it as it is.
 */
export const HOOK_RUN_ANNOTATION = 'ferry.dev/hook-run';
/** `disabled`: `${VAR}` substitution leaves the object as written (as Flux's `kustomize.toolkit.fluxcd.io/substitute`). */
export const SUBSTITUTE_ANNOTATION = 'ferry.dev/substitute';

// ---- annotations on GitSyncs ----------------------------------------------------------------

/** Set by `ferry sync`: reconcile at once; echoed in status.lastHandledRequestedAt. */
export const REQUESTED_AT_ANNOTATION = 'ferry.dev/requested-at';
/** Set by `ferry rollback`: pin this history entry until `ferry resume` removes it. */
export const ROLLBACK_TO_ANNOTATION = 'ferry.dev/rollback-to';
/** Names the Secret (key `token`) that push webhooks are verified against. */
export const WEBHOOK_SECRET_ANNOTATION = 'ferry.dev/webhook-secret';

/**
 * Set by a sharded agent (`--shards auto`): the replica (pod name) that holds this GitSync and
 * alone may reconcile it. Taken and released with resourceVersion-guarded writes; it binds only
 * while that replica's member Lease is live.
 */
export const SHARD_OWNER_ANNOTATION = 'ferry.dev/owner';

/**
 * The finalizer the agent puts on every GitSync it reconciles: deleting the GitSync then prunes
 * what it applied (with `spec.prune: true`) and its history before the GitSync goes.
 */
export const GITSYNC_FINALIZER = 'ferry.dev/finalizer';

// ---- the history store's Secrets ------------------------------------------------------------

/** On every history Secret: the name of the GitSync it belongs to. */
export const HISTORY_LABEL = 'ferry.dev/history';
/** On every history Secret: its entry number. */
export const HISTORY_NUMBER_LABEL = 'ferry.dev/history-number';
/** Prefix of the annotations that hold an entry's summary (`ferry.dev/history-revision` …). */
export const HISTORY_ANNOTATION_PREFIX = 'ferry.dev/history-';
/**
 * On every history Secret written with its Secrets sealed (values replaced by digests): `digests`.
 * An entry without it is from an older ferry and may hold values; the next write rewrites it.
 */
export const HISTORY_SECRETS_ANNOTATION = 'ferry.dev/history-secrets';
/** The Secret type of history entries. */
export const HISTORY_SECRET_TYPE = 'ferry.dev/history.v1';

// ---- agent replicas ---------------------------------------------------------------------------

/** On each sharded agent replica's member Lease (`ferry-agent-<pod>`): replicas find each other by it. */
export const SHARD_MEMBER_LABEL = 'ferry.dev/agent-member';
/** The member Lease of a replica: `ferry-agent-<pod>`. */
export const SHARD_MEMBER_LEASE_PREFIX = 'ferry-agent-';

/** How ferry names itself as the reporting component of Events. */
export const EVENT_REPORTING_COMPONENT = 'ferry.dev/agent';
