/**
 * A small stand-in for kube-controller-manager, so health checks have something real to watch:
 * workloads get status after a delay, an image containing `broken` never becomes available,
 * Jobs complete or fail, PVCs bind, CRDs become Established.
 */
type Obj = Record<string, any>;

export interface ControllerOptions {
  delayMs: number;
  /** How long a broken Deployment takes to report ProgressDeadlineExceeded (default: its progressDeadlineSeconds). */
  progressDeadlineMs?: number;
}

function isBroken(podSpec: Obj | undefined): boolean {
  return [...(podSpec?.containers ?? []), ...(podSpec?.initContainers ?? [])].some((c: Obj) => String(c.image ?? '').includes('broken'));
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function condition(type: string, status: string, reason: string, message: string, time = now()): Obj {
  return { type, status, lastUpdateTime: time, lastTransitionTime: time, reason, message };
}

function hash(object: Obj): string {
  let h = 0;
  const text = JSON.stringify(object.spec?.template ?? {});
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return `${object.metadata.name}-${h.toString(16).slice(0, 10)}`;
}

/** The status a workload controller would write once it has acted on the current spec. */
export function settledStatus(object: Obj, deadlinePassed: boolean): Obj | undefined {
  const spec = object.spec ?? {};
  const generation = object.metadata.generation ?? 1;
  switch (object.kind) {
    case 'Deployment': {
      const replicas = spec.replicas ?? 1;
      if (isBroken(spec.template?.spec)) {
        return {
          observedGeneration: generation,
          replicas,
          updatedReplicas: replicas,
          unavailableReplicas: replicas,
          conditions: [
            condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
            deadlinePassed
              ? condition('Progressing', 'False', 'ProgressDeadlineExceeded', `ReplicaSet "${hash(object)}" has timed out progressing.`)
              : condition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${hash(object)}" is progressing.`),
          ],
        };
      }
      return {
        observedGeneration: generation,
        ...(replicas > 0 ? { replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas } : {}),
        conditions: [
          condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
          condition('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${hash(object)}" has successfully progressed.`),
        ],
      };
    }
    case 'StatefulSet': {
      const replicas = spec.replicas ?? 1;
      const revision = hash(object);
      const broken = isBroken(spec.template?.spec);
      return {
        observedGeneration: generation,
        replicas,
        readyReplicas: broken ? 0 : replicas,
        currentReplicas: replicas,
        updatedReplicas: replicas,
        currentRevision: revision,
        updateRevision: revision,
        collisionCount: 0,
      };
    }
    case 'DaemonSet': {
      const broken = isBroken(spec.template?.spec);
      const nodes = 1;
      return {
        currentNumberScheduled: nodes,
        numberMisscheduled: 0,
        desiredNumberScheduled: nodes,
        numberReady: broken ? 0 : nodes,
        observedGeneration: generation,
        updatedNumberScheduled: nodes,
        numberAvailable: broken ? 0 : nodes,
        ...(broken ? { numberUnavailable: nodes } : {}),
      };
    }
    case 'ReplicaSet': {
      const replicas = spec.replicas ?? 1;
      const broken = isBroken(spec.template?.spec);
      return { replicas, fullyLabeledReplicas: replicas, readyReplicas: broken ? 0 : replicas, availableReplicas: broken ? 0 : replicas, observedGeneration: generation };
    }
    case 'Job': {
      const start = object.status?.startTime ?? now();
      if (isBroken(spec.template?.spec)) {
        return {
          startTime: start,
          failed: (spec.backoffLimit ?? 6) + 1,
          conditions: [{ type: 'Failed', status: 'True', lastProbeTime: now(), lastTransitionTime: now(), reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }],
        };
      }
      return {
        startTime: start,
        completionTime: now(),
        succeeded: spec.completions ?? 1,
        conditions: [{ type: 'Complete', status: 'True', lastProbeTime: now(), lastTransitionTime: now() }],
      };
    }
    case 'PersistentVolumeClaim':
      return { phase: 'Bound', accessModes: spec.accessModes ?? ['ReadWriteOnce'], capacity: { ...(spec.resources?.requests ?? {}) } };
    case 'Namespace':
      return { phase: 'Active' };
    case 'HorizontalPodAutoscaler':
      return { currentReplicas: spec.minReplicas ?? 1, desiredReplicas: spec.minReplicas ?? 1 };
    default:
      return undefined;
  }
}

/** The status right after a spec change, before the controller acted. */
export function pendingStatus(object: Obj): Obj | undefined {
  switch (object.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet': {
      // Keep what the controller reported for the previous generation: observedGeneration lags.
      return object.status ?? {};
    }
    case 'Job':
      return object.status?.conditions ? object.status : { startTime: now(), active: 1 };
    default:
      return undefined;
  }
}

export function crdEstablishedStatus(crd: Obj): Obj {
  const time = now();
  return {
    conditions: [
      { type: 'NamesAccepted', status: 'True', lastTransitionTime: time, reason: 'NoConflicts', message: 'no conflicts found' },
      { type: 'Established', status: 'True', lastTransitionTime: time, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
    ],
    acceptedNames: { ...crd.spec.names },
    storedVersions: (crd.spec.versions ?? []).filter((v: Obj) => v.storage).map((v: Obj) => v.name),
  };
}
