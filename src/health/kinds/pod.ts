import { condition, type Obj } from './conditions.js';
import { degraded, healthy, progressing, type Health } from '../status.js';

/** Waiting reasons that mean the container cannot start as it is (a crash loop, a bad image or config). */
const FAILING_WAIT = /CrashLoopBackOff|ImagePullBackOff|ErrImagePull|InvalidImageName|CreateContainerConfigError|CreateContainerError/;

/**
 * A Pod is healthy when Ready (or completed); a container that cannot start is Degraded. Pods
 * that run to completion (restartPolicy Never/OnFailure) are Progressing while they run.
 */
export function podHealth(p: Obj): Health {
  const status = p.status ?? {};
  for (const container of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const reason = container.state?.waiting?.reason;
    if (reason && FAILING_WAIT.test(reason)) {
      return degraded(`container ${container.name}: ${reason}${container.state.waiting.message ? `: ${container.state.waiting.message}` : ''}`);
    }
  }
  switch (status.phase) {
    case 'Succeeded':
      return healthy('pod completed');
    case 'Failed':
      return degraded(status.message ?? 'pod failed');
    case 'Running': {
      if (p.spec?.restartPolicy === 'Never' || p.spec?.restartPolicy === 'OnFailure') return progressing('pod is running');
      const ready = condition(p, 'Ready');
      return ready?.status === 'True' ? healthy('pod is ready') : progressing('pod is running but not ready');
    }
    default:
      return progressing(`pod is ${String(status.phase ?? 'Pending').toLowerCase()}`);
  }
}
