import { describe, expect, it } from 'vitest';
import { rendezvousOwner, shardSizes } from '../../src/agent/shard-ring.js';

const keys = Array.from({ length: 3000 }, (_, i) => `team-${i % 37}/app-${i}`);
const members = (n: number) => Array.from({ length: n }, (_, i) => `ferry-7d9f8c-${String.fromCharCode(97 + i)}x${i}`);
const owners = (replicas: readonly string[]) => new Map(keys.map((key) => [key, rendezvousOwner(key, replicas)]));
const moved = (before: Map<string, string | undefined>, after: Map<string, string | undefined>) => keys.filter((key) => before.get(key) !== after.get(key));

describe('rendezvous hashing of GitSyncs over agent replicas', () => {
  it('gives every key to one of the members, and the same one whatever order the members are listed in', () => {
    const replicas = members(5);
    for (const key of keys.slice(0, 200)) {
      const owner = rendezvousOwner(key, replicas);
      expect(replicas).toContain(owner);
      expect(rendezvousOwner(key, [...replicas].reverse())).toBe(owner);
    }
  });

  it('has no owner without members', () => {
    expect(rendezvousOwner('default/app', [])).toBeUndefined();
  });

  it.each([2, 3, 4, 8])('spreads 3,000 GitSyncs evenly over %i replicas (each within 20%% of its fair share)', (n) => {
    const sizes = shardSizes(keys, members(n));
    const fair = keys.length / n;
    for (const size of sizes.values()) expect(Math.abs(size - fair) / fair).toBeLessThan(0.2);
    expect([...sizes.values()].reduce((a, b) => a + b, 0)).toBe(keys.length);
  });

  it('moves about 1/N of the keys to a replica that joins, and only to it', () => {
    const three = members(3);
    const four = members(4);
    const before = owners(three);
    const after = owners(four);
    const changed = moved(before, after);
    expect(changed.every((key) => after.get(key) === four[3])).toBe(true);
    expect(changed.length / keys.length).toBeGreaterThan(0.2);
    expect(changed.length / keys.length).toBeLessThan(0.3);
  });

  it('moves only the keys of a replica that leaves, spread over the others', () => {
    const four = members(4);
    const leaving = four[1] as string;
    const before = owners(four);
    const after = owners(four.filter((m) => m !== leaving));
    const changed = moved(before, after);
    expect(changed.sort()).toEqual(keys.filter((key) => before.get(key) === leaving).sort());
    const takers = shardSizes(changed, four.filter((m) => m !== leaving));
    for (const taken of takers.values()) expect(taken / changed.length).toBeGreaterThan(0.25);
  });
});
