import { describeError } from '../errors.js';
import type { Logger } from '../log/index.js';
import type { KubeObject } from '../objects.js';
import { AlreadyExistsError, ConflictError, NotFoundError, type KubeClient } from '../kube/index.js';
import { SHARD_MEMBER_LABEL, SHARD_MEMBER_LEASE_PREFIX } from '../well-known.js';
import { leaderElectionTimings, microTime } from './leader.js';

export interface ShardMembershipOptions {
  /** Where the member Leases live (the agent's namespace). */
  namespace: string;
  /** Who this replica is (the pod name): its Lease is `ferry-agent-<identity>`. */
  identity: string;
  /** How long a member counts as live after its Lease last changed, by the observer's clock (default 15 s). */
  leaseDurationMs?: number;
  /** How long this replica keeps trying to renew before it stops writing (default ⅔ of the lease duration). */
  renewDeadlineMs?: number;
  /** How often this replica renews its Lease and lists the others' (default 2⁄15 of the lease duration). */
  retryPeriodMs?: number;
}

/** A member Lease as last seen, and when (local clock) it was first seen that way. */
interface Observed {
  record: string;
  holder: string;
  durationMs: number;
  at: number;
}

/** client-go's JitterFactor, as the leader elector uses it. */
const JITTER = 1.2;
/** A member Lease unchanged for this many lease durations belonged to a replica that is gone for good: it is deleted. */
const FORGET_AFTER_DURATIONS = 20;

/**
 * The replicas of a sharded agent, found through one coordination.k8s.io Lease each
 * (`ferry-agent-<pod>`, labelled `ferry.dev/agent-member`). Every retry period a replica renews
 * its own Lease and lists the labelled ones; it judges the others the way the leader elector
 * judges a leader, by observed time: a member is live until a whole lease duration has passed,
 * on this replica's clock, since its Lease was last seen to change (so clock skew between nodes
 * does not matter). A Lease with no holder was released by a replica that stopped.
 *
 * This replica is a member while a renewal succeeded within the renew deadline (shorter than
 * the lease duration): past it, `onChange(undefined)` tells the agent to stop writing at once,
 * before anyone else may count it as gone and take its GitSyncs. `onChange(members)` hears every
 * change of the live members (this replica included, sorted).
 */
export class ShardMembership {
  private readonly durationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private readonly leaseName: string;
  private readonly observed = new Map<string, Observed>();
  private stopped = true;
  private member = false;
  private renewedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private live: readonly string[] = [];
  /** The own Lease as last written, so a renewal is one write. */
  private own: KubeObject | undefined;
  /** The look and renewal in flight: a stop waits for it, so the Lease it deletes is the one last written. */
  private ticking: Promise<unknown> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly options: ShardMembershipOptions,
    private readonly onChange: (members: readonly string[] | undefined) => void,
    private readonly logger: Logger,
  ) {
    ({ leaseDurationMs: this.durationMs, renewDeadlineMs: this.renewDeadlineMs, retryPeriodMs: this.retryMs } = leaderElectionTimings(options));
    this.leaseName = `${SHARD_MEMBER_LEASE_PREFIX}${options.identity}`;
  }

  get identity(): string {
    return this.options.identity;
  }

  /** The live members (sorted, this replica included) while this replica is one; undefined otherwise. */
  get members(): readonly string[] | undefined {
    return this.member ? this.live : undefined;
  }

  /** Whether `identity` is a live member in this replica's view (this replica: while it is a member). */
  isLive(identity: string): boolean {
    if (identity === this.options.identity) return this.member;
    return this.live.includes(identity);
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.tick();
  }

  /**
   * Leaves: stops renewing and deletes this replica's Lease, so the others take its GitSyncs at
   * their next look instead of after a lease duration. Call it once the agent has stopped writing.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.deadline);
    this.setMember(false);
    await this.ticking;
    try {
      await this.client.delete(this.ref(), this.own?.metadata.resourceVersion ? { preconditionResourceVersion: this.own.metadata.resourceVersion } : {});
    } catch (error) {
      if (!(error instanceof NotFoundError)) this.logger.warn({ err: describeError(error) }, 'cannot delete the member Lease; the other replicas take over when it expires');
    }
  }

  private async tick(): Promise<void> {
    // The renewal goes out beside the list, not after it: one round trip, not two, has to fit
    // within the renew deadline. Only without a Lease as last written (the first look, a lost
    // race) does it wait for the list to find the Lease.
    let listedAt = 0;
    const listed = this.client.list('coordination.k8s.io/v1', 'Lease', { namespace: this.options.namespace, labelSelector: `${SHARD_MEMBER_LABEL}=true` }).then((leases) => {
      // A change the list shows was seen by now at the latest: the later, the safer to judge from.
      listedAt = Date.now();
      return leases;
    });
    const own = this.own;
    const renewal = own ? this.renew(own) : listed.then((leases) => (this.stopped ? undefined : this.renew(leases.find((lease) => lease.metadata.name === this.leaseName))));
    const answers = Promise.allSettled([listed, renewal]);
    this.ticking = answers;
    const [leases, renewed] = await answers;
    this.ticking = undefined;
    if (this.stopped) return;
    // An answer that came after the renew deadline does not make a member again.
    const sentAt = renewed.status === 'fulfilled' ? renewed.value : undefined;
    const inTime = sentAt !== undefined && Date.now() - sentAt < this.renewDeadlineMs;
    if (inTime) {
      this.renewedAt = sentAt;
      this.armDeadline();
    }
    const failed = [leases, renewed].find((answer): answer is PromiseRejectedResult => answer.status === 'rejected');
    if (failed) this.logger.warn({ err: describeError(failed.reason), member: this.member }, this.member ? 'cannot renew the member Lease; retrying until the renew deadline' : 'cannot read or write member Leases');
    if (leases.status === 'fulfilled') {
      this.observe(leases.value, listedAt);
      this.setMember(this.member || inTime);
      await this.forgetGone(leases.value, listedAt).catch(() => undefined);
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.retryMs * (1 + (JITTER - 1) * Math.random()));
    this.timer.unref();
  }

  /**
   * One write of the own Lease, `current` as last read or written. Returns when the write went
   * out: no one can have seen the Lease renewed before that, so the renew deadline counts from
   * there. Undefined when another write came first or it is gone (the next tick starts again
   * from the list).
   */
  private async renew(current: KubeObject | undefined): Promise<number | undefined> {
    const sentAt = Date.now();
    const stamp = microTime(new Date(sentAt));
    const spec = { holderIdentity: this.options.identity, leaseDurationSeconds: Math.max(1, Math.round(this.durationMs / 1000)), renewTime: stamp };
    try {
      if (!current) {
        this.own = await this.client.create({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.leaseName, namespace: this.options.namespace, labels: { [SHARD_MEMBER_LABEL]: 'true' } },
          spec: { ...spec, acquireTime: stamp },
        });
      } else {
        const held = (current.spec as { holderIdentity?: string } | undefined)?.holderIdentity === this.options.identity;
        // Spread over the whole spec: fields this code does not know (newer Kubernetes) are kept.
        this.own = await this.client.replace({ ...current, spec: { ...(current.spec as object), ...spec, ...(held ? {} : { acquireTime: stamp }) } });
      }
      return sentAt;
    } catch (error) {
      if (error instanceof ConflictError || error instanceof AlreadyExistsError || error instanceof NotFoundError) {
        this.own = undefined;
        return undefined;
      }
      throw error;
    }
  }

  /** Notes each other member's Lease and when it last changed; recomputes who is live. */
  private observe(leases: KubeObject[], now: number): void {
    const present = new Set<string>();
    for (const lease of leases) {
      if (lease.metadata.name === this.leaseName) continue;
      const spec = (lease.spec ?? {}) as { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string; acquireTime?: string };
      const name = lease.metadata.name;
      present.add(name);
      const record = `${spec.holderIdentity ?? ''}|${spec.leaseDurationSeconds ?? ''}|${spec.acquireTime ?? ''}|${spec.renewTime ?? ''}`;
      if (this.observed.get(name)?.record !== record) this.observed.set(name, { record, holder: spec.holderIdentity ?? '', durationMs: (spec.leaseDurationSeconds ?? 15) * 1000, at: now });
    }
    for (const name of [...this.observed.keys()]) if (!present.has(name)) this.observed.delete(name);
    const live = [this.options.identity];
    for (const seen of this.observed.values()) {
      if (seen.holder !== '' && seen.holder !== this.options.identity && seen.at + seen.durationMs > now) live.push(seen.holder);
    }
    live.sort();
    if (live.join('\n') === this.live.join('\n')) return;
    this.live = live;
    this.logger.info({ identity: this.options.identity, members: live }, 'agent replicas changed');
    if (this.member) this.onChange(this.live);
  }

  /** Deletes the Leases of replicas long gone (pods that were replaced), guarded by their resourceVersion. */
  private async forgetGone(leases: KubeObject[], now: number): Promise<void> {
    for (const lease of leases) {
      const seen = this.observed.get(lease.metadata.name);
      if (!seen || now - seen.at < FORGET_AFTER_DURATIONS * Math.max(seen.durationMs, this.durationMs)) continue;
      await this.client.delete({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: this.options.namespace, name: lease.metadata.name }, { preconditionResourceVersion: lease.metadata.resourceVersion ?? '' }).catch(() => undefined);
      this.observed.delete(lease.metadata.name);
    }
  }

  /** Stops being a member when the renew deadline passes after the last successful renewal. */
  private armDeadline(): void {
    clearTimeout(this.deadline);
    this.deadline = setTimeout(() => {
      if (this.member && Date.now() - this.renewedAt >= this.renewDeadlineMs) {
        this.logger.warn({ identity: this.options.identity, renewDeadlineMs: this.renewDeadlineMs }, 'no renewal of the member Lease within the renew deadline; stopping all writes');
        this.setMember(false);
      }
    }, Math.max(0, this.renewedAt + this.renewDeadlineMs - Date.now()));
    this.deadline.unref();
  }

  private setMember(member: boolean): void {
    if (member === this.member) return;
    this.member = member;
    if (!member) clearTimeout(this.deadline);
    this.onChange(member ? this.live : undefined);
  }

  private ref() {
    return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: this.options.namespace, name: this.leaseName };
  }
}
