import { canonicalJson } from '../objects.js';
import { describeError, FerryError } from '../errors.js';
import type { Logger } from '../log/index.js';
import { AlreadyExistsError, ConflictError, NotFoundError, type KubeClient } from '../kube/index.js';

export interface LeaderElectionOptions {
  namespace: string;
  /** The Lease name (default `ferry-agent-leader`). */
  name?: string;
  /** Who this replica is (the pod name). */
  identity: string;
  /** How long a Lease is good for without a renewal: candidates wait this long after its last change (default 15 s). */
  leaseDurationMs?: number;
  /**
   * How long the leader keeps trying to renew before it steps down and stops writing (default
   * ⅔ of the lease duration: 10 s). Shorter than the lease duration, so it has stopped before
   * anyone else may take over.
   */
  renewDeadlineMs?: number;
  /** How often candidates try to acquire, and the leader renews (default 2⁄15 of the lease duration: 2 s). */
  retryPeriodMs?: number;
}

/** The Lease's spec fields leader election reads and writes (coordination.k8s.io/v1). */
interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** Raised for leader-election settings that cannot work. */
export class LeaderElectionConfigError extends FerryError {}

/**
 * The lease duration, renew deadline and retry period, defaults filled in (15 s, 10 s, 2 s, or
 * the same proportions of a given lease duration) and checked by the rules client-go enforces.
 */
export function leaderElectionTimings(options: Pick<LeaderElectionOptions, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>): Required<Pick<LeaderElectionOptions, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>> {
  const leaseDurationMs = options.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = options.renewDeadlineMs ?? Math.round((leaseDurationMs * 2) / 3);
  const retryPeriodMs = options.retryPeriodMs ?? Math.max(10, Math.round((leaseDurationMs * 2) / 15));
  if (renewDeadlineMs >= leaseDurationMs) {
    throw new LeaderElectionConfigError('AGENT_LEADER_ELECTION_TIMING', `leader election: the renew deadline (${renewDeadlineMs} ms) must be shorter than the lease duration (${leaseDurationMs} ms)`);
  }
  if (retryPeriodMs * JITTER >= renewDeadlineMs) {
    throw new LeaderElectionConfigError('AGENT_LEADER_ELECTION_TIMING', `leader election: the retry period (${retryPeriodMs} ms, ×${JITTER} jitter) must be shorter than the renew deadline (${renewDeadlineMs} ms)`);
  }
  return { leaseDurationMs, renewDeadlineMs, retryPeriodMs };
}

/** client-go's JitterFactor: candidates wait up to 20% longer than the retry period, so they do not move in step. */
const JITTER = 1.2;

/**
 * Leader election on a coordination.k8s.io Lease, the way client-go's leaderelection package
 * does it, so two replicas never sync at once:
 *
 * - Expiry is judged by observed time: a candidate notes when it last saw the Lease's record
 *   change, on its own clock, and takes the Lease only when a whole lease duration has passed
 *   since then. The holder's `renewTime` is never compared with the local clock, so clock skew
 *   between nodes cannot hand the Lease to two replicas.
 * - The leader renews every retry period. If no renewal succeeds within the renew deadline
 *   (shorter than the lease duration) it steps down — by a timer, not waiting for a hanging
 *   request — so it has stopped writing before any candidate may take over. Seeing another
 *   holder, it steps down at once.
 * - Every write carries the resourceVersion it read: two candidates racing cannot both win.
 *
 * Give it a client of its own, so renewals never queue behind sync traffic. `onChange` hears
 * every gain and loss of leadership.
 */
export class LeaderElector {
  private leader = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private readonly name: string;
  private readonly durationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  /** The Lease record last seen, and when (local clock) it was first seen that way. */
  private observed: { record: string; holder: string; durationMs: number; at: number } | undefined;
  /** When (local clock) the last successful acquire or renewal was sent. */
  private renewedAt = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly options: LeaderElectionOptions,
    private readonly onChange: (leader: boolean) => void,
    private readonly logger: Logger,
  ) {
    this.name = options.name ?? 'ferry-agent-leader';
    ({ leaseDurationMs: this.durationMs, renewDeadlineMs: this.renewDeadlineMs, retryPeriodMs: this.retryMs } = leaderElectionTimings(options));
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.tick();
  }

  /** Stops campaigning and releases the Lease (as client-go's ReleaseOnCancel) so another replica can take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.deadline);
    if (!this.leader) return;
    this.setLeader(false);
    try {
      const lease = await this.client.getOrNull(this.ref());
      const record = (lease?.spec ?? {}) as LeaseRecord;
      if (lease && record.holderIdentity === this.options.identity) {
        const now = microTime(new Date());
        await this.client.replace({ ...lease, spec: { ...record, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now } });
      }
    } catch (error) {
      this.logger.warn({ err: describeError(error) }, 'cannot release the leader Lease; another replica takes over when it expires');
    }
  }

  /** One attempt to acquire or renew, then the next one a retry period later. */
  private async tick(): Promise<void> {
    const attemptAt = Date.now();
    let outcome: 'acquired' | 'held' | 'raced' | 'failed';
    try {
      outcome = await this.tryAcquireOrRenew(attemptAt);
    } catch (error) {
      outcome = 'failed';
      this.logger.warn({ err: describeError(error), leader: this.leader }, this.leader ? 'cannot renew the leader Lease; retrying until the renew deadline' : 'cannot read or acquire the leader Lease');
    }
    if (this.stopped) return;
    // An answer that came too late to count (the deadline passed meanwhile) does not make a leader.
    if (outcome === 'acquired' && Date.now() - attemptAt < this.renewDeadlineMs) {
      this.renewedAt = attemptAt;
      this.setLeader(true);
      this.armDeadline();
    } else if (outcome === 'held' && this.leader) {
      this.setLeader(false); // someone else holds it now: no point in waiting for the deadline
    }
    const wait = this.leader ? this.retryMs : this.retryMs * (1 + (JITTER - 1) * Math.random());
    this.timer = setTimeout(() => void this.tick(), wait);
    this.timer.unref();
  }

  /** Steps down when the renew deadline passes after the last successful renewal. */
  private armDeadline(): void {
    clearTimeout(this.deadline);
    this.deadline = setTimeout(() => {
      if (this.leader && Date.now() - this.renewedAt >= this.renewDeadlineMs) {
        this.logger.warn({ identity: this.options.identity, renewDeadlineMs: this.renewDeadlineMs }, 'no renewal of the leader Lease within the renew deadline; stepping down');
        this.setLeader(false);
      }
    }, Math.max(0, this.renewedAt + this.renewDeadlineMs - Date.now()));
    this.deadline.unref();
  }

  /**
   * One read and (when it may) one write of the Lease: `acquired` when this replica holds it
   * afterwards, `held` when another one does, `raced` when another write came first (the next
   * attempt reads who). Throws when the API cannot tell.
   */
  private async tryAcquireOrRenew(now: number): Promise<'acquired' | 'held' | 'raced'> {
    const lease = await this.client.getOrNull(this.ref());
    const stamp = microTime(new Date(now));
    const mine = { holderIdentity: this.options.identity, leaseDurationSeconds: Math.max(1, Math.round(this.durationMs / 1000)), renewTime: stamp };
    if (!lease) {
      const record: LeaseRecord = { ...mine, acquireTime: stamp, leaseTransitions: 0 };
      try {
        await this.client.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: this.options.namespace }, spec: record });
      } catch (error) {
        if (error instanceof AlreadyExistsError) return 'raced';
        throw error;
      }
      this.observe(record, now);
      return 'acquired';
    }
    const current = (lease.spec ?? {}) as LeaseRecord;
    const observed = this.observe(current, now);
    const holdsIt = observed.holder === this.options.identity;
    // Held by another replica whose record changed less than a lease duration ago, by our clock.
    if (observed.holder !== '' && !holdsIt && observed.at + observed.durationMs > now) return 'held';
    const record: LeaseRecord = {
      ...mine,
      acquireTime: holdsIt ? (current.acquireTime ?? stamp) : stamp,
      leaseTransitions: (current.leaseTransitions ?? 0) + (holdsIt ? 0 : 1),
    };
    try {
      // Spread over the whole spec: fields this code does not know (newer Kubernetes) are kept.
      await this.client.replace({ ...lease, spec: { ...(lease.spec as object), ...record } });
    } catch (error) {
      if (error instanceof ConflictError || error instanceof NotFoundError) return 'raced';
      throw error;
    }
    this.observe(record, now);
    return 'acquired';
  }

  /** Notes the record, and the local time it was first seen as it is now. */
  private observe(record: LeaseRecord, now: number): NonNullable<LeaderElector['observed']> {
    const key = canonicalJson({
      holderIdentity: record.holderIdentity ?? '',
      leaseDurationSeconds: record.leaseDurationSeconds,
      acquireTime: record.acquireTime,
      renewTime: record.renewTime,
      leaseTransitions: record.leaseTransitions,
    });
    if (this.observed?.record !== key) this.observed = { record: key, holder: record.holderIdentity ?? '', durationMs: (record.leaseDurationSeconds ?? 15) * 1000, at: now };
    return this.observed;
  }

  private setLeader(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    if (!leader) clearTimeout(this.deadline);
    this.logger.info({ identity: this.options.identity, lease: `${this.options.namespace}/${this.name}` }, leader ? 'became leader' : 'lost leadership');
    this.onChange(leader);
  }

  private ref() {
    return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: this.options.namespace, name: this.name };
  }
}

/** RFC 3339 with microseconds, as Lease times are written (MicroTime). */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
