import { createHash } from 'node:crypto';

/**
 * Rendezvous (highest-random-weight) hashing: each key goes to the member whose hash of
 * `member + key` is highest. Every replica that sees the same members computes the same owner
 * without talking to the others, a member that leaves gives up only its own keys (spread over
 * the rest), and one that joins takes about 1/N of the keys, from everyone. Pure functions.
 */

/** The member that owns `key` among `members` (undefined when there are none). */
export function rendezvousOwner(key: string, members: Iterable<string>): string | undefined {
  let owner: string | undefined;
  let best = -1n;
  for (const member of members) {
    const weight = weightOf(member, key);
    // Ties (never seen with 64 bits, but possible) go to the smaller name, so every replica agrees.
    if (weight > best || (weight === best && owner !== undefined && member < owner)) {
      best = weight;
      owner = member;
    }
  }
  return owner;
}

/** How many of `keys` each member owns (members owning none are listed with 0). */
export function shardSizes(keys: Iterable<string>, members: readonly string[]): Map<string, number> {
  const sizes = new Map(members.map((member) => [member, 0]));
  for (const key of keys) {
    const owner = rendezvousOwner(key, members);
    if (owner !== undefined) sizes.set(owner, (sizes.get(owner) ?? 0) + 1);
  }
  return sizes;
}

/** The first 64 bits of SHA-256 over member and key, with a separator no name contains. */
function weightOf(member: string, key: string): bigint {
  return createHash('sha256').update(member).update('\0').update(key).digest().readBigUInt64BE(0);
}
