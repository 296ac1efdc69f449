/**
 * A small stand-in for kube-controller-manager and the apiserver's own controllers, so that
 * health checks have something real to watch: CRDs become Established, workloads get status
 * after a delay, Jobs start and finish, claims bind (at once, or — for a `WaitForFirstConsumer`
 * class — once a workload mounts them), and optionally a controller writes status beside every
 * write a client makes. Every write goes through the API's rules (managedFields, resourceVersion).
 */
import { isDeepStrictEqual } from 'node:util';
import type { CrdRegistry } from './crds.js';
import type { ServedKind } from './discovery.js';
import type { Store } from './store.js';
import type { VersionProfile } from './versions.js';
import { now } from './clock.js';
import { claimsMountedBy, crdEstablishedStatus, settledStatus, startedJobStatus, templateHash } from './workload-status.js';
import type { Writes } from './writes.js';

type Obj = Record<string, any>;

export type VolumeBindingMode = 'Immediate' | 'WaitForFirstConsumer';

export interface StorageClassSpec {
  name: string;
  volumeBindingMode?: VolumeBindingMode;
  /** Claims that name no class get this one (the DefaultStorageClass admission plugin). */
  default?: boolean;
}

export interface ControllerOptions {
  delayMs: number;
  crdEstablishDelayMs: number;
  /** How long a broken Deployment takes to report ProgressDeadlineExceeded (default: its progressDeadlineSeconds). */
  progressDeadlineMs?: number;
  storageClasses: StorageClassSpec[];
  concurrentStatusWrites: boolean;
}

/** The provisioner the simulated storage classes name. */
export const PROVISIONER = 'simulator.local/hostpath';
const CONTROLLER_MANAGER = 'kube-controller-manager';
const STATUS_WRITER = 'status-writer';
const POD_OWNERS = new Set(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);
const CRD_KIND = { group: 'apiextensions.k8s.io', plural: 'customresourcedefinitions' };
const PVC_KIND = { group: '', plural: 'persistentvolumeclaims' };

export class Controllers {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** Objects written through the API (kind group/plural/namespace/name), which the status writer follows. */
  private readonly written = new Set<string>();
  private statusWrites = 0;
  /** The last pod template each Deployment rolled out, for its `deployment.kubernetes.io/revision`. */
  private readonly revisions = new Map<string, { hash: string; revision: number }>();

  constructor(
    private readonly profile: VersionProfile,
    private readonly store: Store,
    private readonly writes: Writes,
    private readonly crds: CrdRegistry,
    private readonly kindOf: (group: string, plural: string) => ServedKind | undefined,
    private readonly options: ControllerOptions,
  ) {}

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** The class a new claim gets when it names none (mutating admission, so nobody owns the field). */
  admitClaim(claim: Obj): void {
    const fallback = this.options.storageClasses.find((candidate) => candidate.default);
    if (fallback && claim.spec && claim.spec.storageClassName === undefined) claim.spec.storageClassName = fallback.name;
  }

  /** A client wrote `object` (create, update, patch or apply; never a dry run). */
  onWrite(kind: ServedKind, object: Obj, previous: Obj | undefined): void {
    const { namespace, name } = object.metadata;
    if (kind.kind === 'CustomResourceDefinition') {
      if (!previous) this.later(this.options.crdEstablishDelayMs, () => this.establishCrd(name));
      else if (this.isEstablished(object)) this.crds.register(object);
      return;
    }
    this.written.add(this.keyOf(kind, namespace, name));
    const specChanged = !previous || !isDeepStrictEqual(withoutMetaAndStatus(previous), withoutMetaAndStatus(object));
    if (specChanged) {
      if (kind.kind === 'Job' && !previous) {
        const started = startedJobStatus(object, this.profile.version);
        if (started) this.writes.controllerWrite(kind, object, { ...object, status: started }, CONTROLLER_MANAGER, 'status');
      }
      if (kind.kind === 'PersistentVolumeClaim' && !previous) this.later(this.options.delayMs, () => this.tryBind(namespace, name));
      if (POD_OWNERS.has(kind.kind)) {
        for (const claim of claimsMountedBy(object, { templates: true })) this.later(this.options.delayMs, () => this.tryBind(namespace, claim));
      }
      this.scheduleSettle(kind, object);
    }
    if (this.options.concurrentStatusWrites) this.writeStatusBeside(kind, namespace, name);
  }

  /** A client listed `items`: with concurrent status writes, each gets one right after. */
  onList(kind: ServedKind, items: Obj[]): void {
    if (!this.options.concurrentStatusWrites) return;
    for (const item of items) this.writeStatusBeside(kind, item.metadata.namespace, item.metadata.name);
  }

  // ---- workloads ------------------------------------------------------------------------------

  private scheduleSettle(kind: ServedKind, object: Obj): void {
    if (!settledStatus(object, this.profile.version, { claimsBound: true }, false)) return;
    const generation = object.metadata.generation;
    const { namespace, name } = object.metadata;
    this.later(this.options.delayMs, () => this.settle(kind, namespace, name, generation, false));
    if (kind.kind === 'Deployment') {
      const deadline = this.options.progressDeadlineMs ?? (object.spec?.progressDeadlineSeconds ?? 600) * 1000;
      this.later(deadline, () => this.settle(kind, namespace, name, generation, true));
    }
  }

  private settle(kind: ServedKind, namespace: string | undefined, name: string, generation: number | undefined, deadlinePassed: boolean): void {
    const object = this.store.get(kind, namespace, name);
    if (!object || object.metadata.generation !== generation) return;
    const claimsBound = claimsMountedBy(object, { templates: false }).every((claim) => this.store.get(PVC_KIND, namespace, claim)?.status?.phase === 'Bound');
    const status = settledStatus(object, this.profile.version, { claimsBound }, deadlinePassed);
    if (!status || isDeepStrictEqual(stripTimes(object.status), stripTimes(status))) return;
    const next: Obj = { ...object, status, metadata: { ...object.metadata } };
    if (kind.kind === 'Deployment') next.metadata.annotations = { ...object.metadata.annotations, 'deployment.kubernetes.io/revision': String(this.revisionOf(object)) };
    this.writes.controllerWrite(kind, object, next, CONTROLLER_MANAGER, 'status');
  }

  private revisionOf(deployment: Obj): number {
    const key = `${deployment.metadata.namespace}/${deployment.metadata.name}/${deployment.metadata.uid}`;
    const hash = templateHash(deployment);
    const last = this.revisions.get(key);
    const revision = !last ? 1 : last.hash === hash ? last.revision : last.revision + 1;
    this.revisions.set(key, { hash, revision });
    return revision;
  }

  // ---- storage --------------------------------------------------------------------------------

  /**
   * Binds a Pending claim when its class allows: at once for `Immediate` (and for any claim when
   * the cluster has no storage classes configured), once a workload in its namespace mounts it for
   * `WaitForFirstConsumer`. A claim naming a class the cluster lacks stays Pending.
   */
  private tryBind(namespace: string | undefined, name: string): void {
    const claim = this.store.get(PVC_KIND, namespace, name);
    if (!claim || claim.status?.phase !== 'Pending') return;
    const classes = this.options.storageClasses;
    const storageClass = classes.find((candidate) => candidate.name === claim.spec?.storageClassName);
    if (classes.length > 0 && !storageClass) return;
    if (storageClass?.volumeBindingMode === 'WaitForFirstConsumer' && !this.hasConsumer(namespace, name)) return;
    const kind = this.kindOf('', 'persistentvolumeclaims') as ServedKind;
    const bound = {
      ...claim,
      metadata: {
        ...claim.metadata,
        annotations: {
          ...claim.metadata.annotations,
          'pv.kubernetes.io/bind-completed': 'yes',
          'pv.kubernetes.io/bound-by-controller': 'yes',
          ...(storageClass ? { 'volume.beta.kubernetes.io/storage-provisioner': PROVISIONER, 'volume.kubernetes.io/storage-provisioner': PROVISIONER } : {}),
        },
      },
      spec: { ...claim.spec, volumeName: `pvc-${claim.metadata.uid}` },
    };
    const written = this.writes.controllerWrite(kind, claim, bound, CONTROLLER_MANAGER, undefined) ?? claim;
    const status = { phase: 'Bound', accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'], capacity: { ...(claim.spec?.resources?.requests ?? {}) } };
    this.writes.controllerWrite(kind, written, { ...written, status }, CONTROLLER_MANAGER, 'status');
    // Pods that waited for the claim can start now.
    for (const owner of POD_OWNERS) {
      const ownerKind = this.kindOfKind(owner);
      if (!ownerKind) continue;
      for (const object of this.store.list(ownerKind, namespace)) {
        if (claimsMountedBy(object, { templates: false }).includes(name)) this.later(0, () => this.settle(ownerKind, namespace, object.metadata.name, object.metadata.generation, false));
      }
    }
  }

  private hasConsumer(namespace: string | undefined, claim: string): boolean {
    for (const owner of POD_OWNERS) {
      const kind = this.kindOfKind(owner);
      if (kind && this.store.list(kind, namespace).some((object) => claimsMountedBy(object, { templates: true }).includes(claim))) return true;
    }
    return false;
  }

  private kindOfKind(kind: string): ServedKind | undefined {
    const plural = { Pod: 'pods', Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets', ReplicaSet: 'replicasets', Job: 'jobs' }[kind] as string;
    return this.kindOf(kind === 'Pod' ? '' : kind === 'Job' ? 'batch' : 'apps', plural);
  }

  // ---- custom resources -----------------------------------------------------------------------

  private isEstablished(crd: Obj): boolean {
    return (crd.status?.conditions ?? []).some((c: Obj) => c.type === 'Established' && c.status === 'True');
  }

  private establishCrd(name: string): void {
    const crd = this.store.get(CRD_KIND, undefined, name);
    if (!crd) return;
    this.crds.register(crd);
    this.writes.controllerWrite(this.kindOf(CRD_KIND.group, CRD_KIND.plural) as ServedKind, crd, { ...crd, status: crdEstablishedStatus(crd) }, 'kube-apiserver', 'status');
  }

  // ---- a controller writing beside the client -------------------------------------------------

  /**
   * One status write to an object a client wrote: a `SimulatedStatusWrite` condition with a new
   * message each time, so the write is never a no-op. Kinds without a status subresource, or
   * whose status has no conditions, are left alone.
   */
  private writeStatusBeside(kind: ServedKind, namespace: string | undefined, name: string): void {
    if (!kind.statusSubresource || kind.kind === 'Namespace' || kind.kind === 'CustomResourceDefinition') return;
    if (!this.written.has(this.keyOf(kind, namespace, name))) return;
    const object = this.store.get(kind, namespace, name);
    if (!object) return;
    const statusView = this.writes.schemaOf(kind)?.field('status');
    const conditionsView = statusView?.field('conditions');
    if (statusView && !conditionsView && !statusView.preservesUnknownFields) return;
    this.statusWrites += 1;
    const time = now();
    const full: Obj = {
      type: 'SimulatedStatusWrite',
      status: 'True',
      observedGeneration: object.metadata.generation,
      lastUpdateTime: time,
      lastTransitionTime: time,
      reason: 'Written',
      message: `status write ${this.statusWrites} by a controller beside the client`,
    };
    const allowed = conditionsView?.items.fieldNames;
    const condition = allowed && allowed.length > 0 ? Object.fromEntries(Object.entries(full).filter(([field, value]) => allowed.includes(field) && value !== undefined)) : full;
    const conditions = [...((object.status?.conditions ?? []) as Obj[]).filter((c) => c.type !== condition.type), condition];
    this.writes.controllerWrite(kind, object, { ...object, status: { ...object.status, conditions } }, STATUS_WRITER, 'status');
  }

  private keyOf(kind: ServedKind, namespace: string | undefined, name: string): string {
    return `${kind.group}/${kind.plural}/${namespace ?? ''}/${name}`;
  }

  private later(ms: number, work: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) work();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }
}

function withoutMetaAndStatus(object: Obj): Obj {
  const { metadata: _m, status: _s, ...rest } = object;
  return rest;
}

function stripTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripTimes);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !/Time$|^startTime$|^completionTime$/.test(key))
        .map(([key, inner]) => [key, stripTimes(inner)]),
    );
  }
  return value;
}
