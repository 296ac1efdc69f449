/**
 * The status kube-controller-manager writes, as pure functions of an object (the
 * `afterControllers` answers of test/fixtures/kube-apiserver-<version>/). The simulated cluster
 * has one node whose kubelet runs every pod at once: an image containing `broken` never becomes
 * ready, and a pod whose volume claim is not Bound stays Pending.
 */
import { now } from './clock.js';
import type { KubeVersion } from './kinds.js';

type Obj = Record<string, any>;

/** What a workload's pods depend on besides their spec. */
export interface PodFacts {
  /** Whether every claim the pod template mounts is Bound. */
  claimsBound: boolean;
}

function isBroken(podSpec: Obj | undefined): boolean {
  return [...(podSpec?.containers ?? []), ...(podSpec?.initContainers ?? [])].some((c: Obj) => String(c.image ?? '').includes('broken'));
}

function condition(type: string, status: string, reason: string, message: string, time = now()): Obj {
  return { type, status, lastUpdateTime: time, lastTransitionTime: time, reason, message };
}

/** A stand-in for the pod-template-hash the controllers name ReplicaSets and revisions with. */
export function templateHash(object: Obj): string {
  let h = 0;
  const text = JSON.stringify(object.spec?.template ?? {});
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return `${object.metadata.name}-${h.toString(16).slice(0, 10)}`;
}

/** The status a workload controller writes once it has acted on the current spec. */
export function settledStatus(object: Obj, version: KubeVersion, facts: PodFacts, deadlinePassed: boolean): Obj | undefined {
  const spec = object.spec ?? {};
  const generation = object.metadata.generation ?? 1;
  const unready = isBroken(spec.template?.spec) || !facts.claimsBound;
  switch (object.kind) {
    case 'Deployment': {
      const replicas = spec.replicas ?? 1;
      if (unready) {
        return {
          observedGeneration: generation,
          replicas,
          updatedReplicas: replicas,
          unavailableReplicas: replicas,
          conditions: [
            condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
            deadlinePassed
              ? condition('Progressing', 'False', 'ProgressDeadlineExceeded', `ReplicaSet "${templateHash(object)}" has timed out progressing.`)
              : condition('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${templateHash(object)}" is progressing.`),
          ],
        };
      }
      return {
        observedGeneration: generation,
        ...(replicas > 0 ? { replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas } : {}),
        conditions: [
          condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
          condition('Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "${templateHash(object)}" has successfully progressed.`),
        ],
      };
    }
    case 'StatefulSet': {
      const replicas = spec.replicas ?? 1;
      const revision = templateHash(object);
      const ready = unready ? 0 : replicas;
      return {
        observedGeneration: generation,
        replicas,
        readyReplicas: ready,
        currentReplicas: replicas,
        updatedReplicas: replicas,
        currentRevision: revision,
        updateRevision: revision,
        collisionCount: 0,
        ...(version === '1.32' ? { availableReplicas: ready } : {}),
      };
    }
    case 'DaemonSet': {
      const nodes = 1;
      return {
        currentNumberScheduled: nodes,
        numberMisscheduled: 0,
        desiredNumberScheduled: nodes,
        numberReady: unready ? 0 : nodes,
        observedGeneration: generation,
        updatedNumberScheduled: nodes,
        numberAvailable: unready ? 0 : nodes,
        ...(unready ? { numberUnavailable: nodes } : {}),
      };
    }
    case 'ReplicaSet': {
      const replicas = spec.replicas ?? 1;
      return { replicas, fullyLabeledReplicas: replicas, readyReplicas: unready ? 0 : replicas, availableReplicas: unready ? 0 : replicas, observedGeneration: generation };
    }
    case 'Job':
      return jobStatus(object, version, facts);
    case 'HorizontalPodAutoscaler':
      return { ...(version === '1.19' ? { currentReplicas: spec.minReplicas ?? 1 } : {}), desiredReplicas: spec.minReplicas ?? 1, currentMetrics: null };
    default:
      return undefined;
  }
}

/**
 * A finished Job. 1.32 precedes the terminal condition with `SuccessCriteriaMet` (captured) or
 * `FailureTarget` (inferred: the same Job controller sets it before `Failed` since 1.31), and
 * reports `terminating`, `ready` and `uncountedTerminatedPods`.
 */
function jobStatus(object: Obj, version: KubeVersion, facts: PodFacts): Obj {
  const spec = object.spec ?? {};
  const start = object.status?.startTime ?? now();
  const time = now();
  const v132 = version === '1.32';
  const counters = v132 ? { terminating: 0, uncountedTerminatedPods: {}, ready: 0 } : {};
  if (!facts.claimsBound) return { startTime: start, active: 1, ...counters };
  if (isBroken(spec.template?.spec)) {
    const failed = { type: 'Failed', status: 'True', lastProbeTime: time, lastTransitionTime: time, reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    return {
      ...(v132 ? { conditions: [{ ...failed, type: 'FailureTarget' }, failed] } : { conditions: [failed] }),
      startTime: start,
      failed: (spec.backoffLimit ?? 6) + 1,
      ...counters,
    };
  }
  const complete = v132
    ? [
        { type: 'SuccessCriteriaMet', status: 'True', lastProbeTime: time, lastTransitionTime: time, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
        { type: 'Complete', status: 'True', lastProbeTime: time, lastTransitionTime: time, reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' },
      ]
    : [{ type: 'Complete', status: 'True', lastProbeTime: time, lastTransitionTime: time }];
  return { conditions: complete, startTime: start, completionTime: time, succeeded: spec.completions ?? 1, ...counters };
}

/** The status the Job controller writes at once, before its pods ran (the 1.32 `stored` answer). */
export function startedJobStatus(object: Obj, version: KubeVersion): Obj | undefined {
  if (object.status?.startTime || object.spec?.suspend === true) return undefined;
  return { startTime: now(), active: 1, ...(version === '1.32' ? { terminating: 0, uncountedTerminatedPods: {}, ready: 0 } : {}) };
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

/**
 * The claims an object's pods mount, by name; with `templates`, also the claims a StatefulSet's
 * claim templates stand for (`<template>-<set>-<ordinal>`, which its controller would create).
 * A CronJob has no pods until its schedule fires.
 */
export function claimsMountedBy(object: Obj, options: { templates: boolean }): string[] {
  const podSpec = object.kind === 'Pod' ? object.spec : object.kind === 'CronJob' ? undefined : object.spec?.template?.spec;
  const claims: string[] = (podSpec?.volumes ?? []).map((volume: Obj) => volume.persistentVolumeClaim?.claimName).filter(Boolean);
  if (object.kind === 'StatefulSet' && options.templates) {
    for (const template of object.spec?.volumeClaimTemplates ?? []) {
      for (let ordinal = 0; ordinal < (object.spec?.replicas ?? 1); ordinal++) claims.push(`${template.metadata?.name}-${object.metadata.name}-${ordinal}`);
    }
  }
  return claims;
}
