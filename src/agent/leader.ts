import type { KubeObject } from '../objects.js';
import type { Logger } from '../log/index.js';
import { AlreadyExistsError, ConflictError, NotFoundError, type KubeClient } from '../kube/index.js';

export interface LeaderElectionOptions {
  namespace: string;
  /** The Lease name (default `ferry-agent-leader`). */
  name?: string;
  /** Who this replica is (the pod name). */
  identity: string;
  leaseDurationMs?: number;
  renewIntervalMs?: number;
}

/**
 * Leader election on a coordination.k8s.io Lease, so two replicas never sync at once. Every
 * write carries the resourceVersion it read: two candidates racing for an expired lease cannot
 * both win. `onChange` hears every gain and loss of leadership.
 */
export class LeaderElector {
  private leader = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly name: string;
  private readonly durationMs: number;
  private readonly renewMs: number;

  constructor(
    private readonly client: KubeClient,
    private readonly options: LeaderElectionOptions,
    private readonly onChange: (leader: boolean) => void,
    private readonly logger: Logger,
  ) {
    this.name = options.name ?? 'ferry-agent-leader';
    this.durationMs = options.leaseDurationMs ?? 15_000;
    this.renewMs = options.renewIntervalMs ?? Math.max(100, Math.floor(this.durationMs / 3));
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  /** Stops campaigning and releases the lease so another replica can take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leader) return;
    this.setLeader(false);
    const lease = await this.client.getOrNull(this.ref()).catch(() => null);
    if (lease && (lease.spec as { holderIdentity?: string } | undefined)?.holderIdentity === this.options.identity) {
      await this.client.replace({ ...lease, spec: { ...(lease.spec as object), holderIdentity: '', leaseDurationSeconds: 1 } }).catch(() => undefined);
    }
  }

  private async tick(): Promise<void> {
    try {
      this.setLeader(await this.tryAcquireOrRenew());
    } catch (error) {
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'leader election failed');
      this.setLeader(false);
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => void this.tick(), this.renewMs);
      this.timer.unref();
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = new Date();
    const lease = await this.client.getOrNull(this.ref());
    const spec = {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.max(1, Math.round(this.durationMs / 1000)),
      renewTime: microTime(now),
    };
    if (!lease) {
      try {
        await this.client.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: this.options.namespace }, spec: { ...spec, acquireTime: microTime(now), leaseTransitions: 0 } });
        return true;
      } catch (error) {
        if (error instanceof AlreadyExistsError) return false;
        throw error;
      }
    }
    const current = (lease.spec ?? {}) as { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number; leaseTransitions?: number; acquireTime?: string };
    const mine = current.holderIdentity === this.options.identity;
    const expired = !current.holderIdentity || Date.parse(current.renewTime ?? '') + (current.leaseDurationSeconds ?? 15) * 1000 < now.getTime();
    if (!mine && !expired) return false;
    const next: KubeObject = {
      ...lease,
      spec: {
        ...current,
        ...spec,
        acquireTime: mine ? current.acquireTime : microTime(now),
        leaseTransitions: (current.leaseTransitions ?? 0) + (mine ? 0 : 1),
      },
    };
    try {
      await this.client.replace(next);
      return true;
    } catch (error) {
      if (error instanceof ConflictError || error instanceof NotFoundError) return false;
      throw error;
    }
  }

  private setLeader(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.logger.info({ identity: this.options.identity, lease: `${this.options.namespace}/${this.name}` }, leader ? 'became leader' : 'lost leadership');
    this.onChange(leader);
  }

  private ref() {
    return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: this.options.namespace, name: this.name };
  }
}

/** RFC 3339 with microseconds, as Lease times are written. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
