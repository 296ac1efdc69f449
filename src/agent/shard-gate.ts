import type { KubeObject } from '../objects.js';
import { shardOwnerOf } from './shard-lock.js';
import { rendezvousOwner } from './shard-ring.js';

/** What a sharded agent knows of the replicas (ShardMembership provides it). */
export interface ShardView {
  /** This replica (its pod name). */
  readonly identity: string;
  /** The live members while this replica is one of them; undefined when it is not (it must not write). */
  readonly members: readonly string[] | undefined;
  /** Whether a replica's member Lease is live in this replica's view. */
  isLive(identity: string): boolean;
}

/** Rendezvous hashing over the live members gives `key` to this replica. */
export function isAssigned(view: ShardView, key: string): boolean {
  const members = view.members;
  return members !== undefined && rendezvousOwner(key, members) === view.identity;
}

/**
 * This replica may reconcile the GitSync: it is assigned to it, and its lock is free, already
 * this replica's, or held by a replica whose member Lease is no longer live (it stopped writing
 * before its Lease could expire in anyone's view).
 */
export function mayHold(view: ShardView, key: string, gitsync: KubeObject): boolean {
  if (!isAssigned(view, key)) return false;
  const owner = shardOwnerOf(gitsync);
  return owner === undefined || owner === view.identity || !view.isLive(owner);
}
