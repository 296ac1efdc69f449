import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/objects.js';
import { diffLines, diffObject, formatDiff, unifiedHunks, type DiffLine } from '../../src/diff/index.js';

/** A small seeded PRNG (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The length of the longest common subsequence, the slow way (small inputs only). */
function lcsLength(a: string[], b: string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) row[j] = a[i - 1] === b[j - 1] ? (previous[j - 1] as number) + 1 : Math.max(previous[j] as number, row[j - 1] as number);
    previous = row;
  }
  return previous[b.length] as number;
}

const sides = (lines: DiffLine[]) => ({
  before: lines.filter((l) => l.kind !== '+').map((l) => l.text),
  after: lines.filter((l) => l.kind !== '-').map((l) => l.text),
  edits: lines.filter((l) => l.kind !== ' ').length,
});

/** Lines of a ConfigMap value: `key-00001 = value` … */
const config = (count: number) => Array.from({ length: count }, (_, i) => `key-${String(i).padStart(5, '0')} = value ${i % 97}`);

/** An array that counts how often its lines are read. */
function counted(lines: string[]): { lines: string[]; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(lines, {
    get(target, property, receiver) {
      if (typeof property === 'string' && /^\d+$/.test(property)) reads++;
      return Reflect.get(target, property, receiver);
    },
  });
  return { lines: proxy, reads: () => reads };
}

describe('the line diff', () => {
  it.each(Array.from({ length: 60 }, (_, i) => i + 1))('is a minimal edit script (random texts, seed %i)', (seed) => {
    const rnd = random(seed);
    const alphabet = ['a', 'b', 'c', 'd', 'e'];
    const text = (length: number) => Array.from({ length }, () => alphabet[Math.floor(rnd() * alphabet.length)] as string);
    const before = text(Math.floor(rnd() * 40));
    const after = rnd() > 0.3 ? before.map((line) => (rnd() > 0.8 ? (alphabet[Math.floor(rnd() * 5)] as string) : line)).filter(() => rnd() > 0.1) : text(Math.floor(rnd() * 40));
    const diff = diffLines(before, after);
    const { before: left, after: right, edits } = sides(diff.lines);
    expect(diff.exact).toBe(true);
    expect(left).toEqual(before);
    expect(right).toEqual(after);
    expect(edits).toBe(before.length + after.length - 2 * lcsLength(before, after));
  });

  it('reads each line a bounded number of times for a one-line change (not once per pair of lines)', () => {
    const before = counted(config(2000));
    const changed = config(2000);
    changed[1200] = 'key-01200 = changed';
    const after = counted(changed);
    const diff = diffLines(before.lines, after.lines);
    expect(sides(diff.lines).edits).toBe(2);
    expect(before.reads() + after.reads()).toBeLessThan(4 * 4000);
  });

  it('needs O(n+m) steps for a one-line change in a 20,000-line ConfigMap', () => {
    const before = config(20_000);
    const after = [...before];
    after[10_000] = 'key-10000 = changed';
    after.splice(15_000, 0, 'key-15000a = inserted');
    const diff = diffLines(before, after);
    expect(sides(diff.lines)).toMatchObject({ before, after, edits: 3 });
    expect(diff.work).toBeLessThan(2 * (before.length + after.length));
  });

  it('needs O((n+m)·d) steps for d scattered changes', () => {
    const rnd = random(7);
    const before = config(5000);
    const after = before.map((line, i) => (rnd() < 0.01 ? `changed ${i}` : line));
    const d = after.filter((line, i) => line !== before[i]).length * 2;
    const diff = diffLines(before, after);
    expect(sides(diff.lines)).toMatchObject({ before, after, edits: d });
    expect(diff.work).toBeLessThan((before.length + after.length) * (d + 1));
  });

  it('stops at the edit budget: two unrelated 20,000-line texts are one replacement after a few million steps, not n·m', () => {
    const before = config(20_000);
    const after = before.map((line) => `${line} (rewritten)`);
    const diff = diffLines(before, after);
    expect(diff.exact).toBe(false);
    expect(sides(diff.lines)).toMatchObject({ before, after, edits: 40_000 });
    expect(diff.work).toBeLessThan(5_000_000);
  });

  it('shows where Git and live share a head and a tail even when the middle is over budget', () => {
    const before = ['apiVersion: v1', ...config(50), 'kind: ConfigMap'];
    const after = ['apiVersion: v1', ...config(50).map((line) => `${line}!`), 'kind: ConfigMap'];
    const diff = diffLines(before, after, { maxEdits: 10 });
    expect(diff.exact).toBe(false);
    expect(diff.lines[0]).toEqual({ kind: ' ', text: 'apiVersion: v1' });
    expect(diff.lines.at(-1)).toEqual({ kind: ' ', text: 'kind: ConfigMap' });
    expect(sides(diff.lines)).toMatchObject({ before, after });
  });
});

describe('unified hunks', () => {
  it('numbers hunks as diff -u does', () => {
    const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    const after = ['a', 'B', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'];
    expect(unifiedHunks(diffLines(before, after).lines, { context: 1 })).toEqual(['@@ -1,3 +1,3 @@', ' a', '-b', '+B', ' c', '@@ -10,1 +10,2 @@', ' j', '+k']);
  });

  it('summarises what is past the line cap', () => {
    const lines: DiffLine[] = Array.from({ length: 100 }, (_, i) => ({ kind: i % 2 ? '+' : '-', text: `line ${i}` }));
    const hunks = unifiedHunks(lines, { maxLines: 10 });
    expect(hunks).toHaveLength(11);
    expect(hunks[10]).toBe('… 91 more lines (+46 −45) not shown');
  });
});

describe('formatDiff of a very large object', () => {
  const configMap = (lines: string[], resourceVersion?: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'rules', namespace: 'monitoring', ...(resourceVersion ? { resourceVersion } : {}) },
    data: { 'rules.conf': `${lines.join('\n')}\n` },
  });

  it('shows a one-line change in a 20,000-line value as one small hunk', () => {
    const changed = config(20_000);
    changed[4321] = 'key-04321 = tuned';
    const text = formatDiff(diffObject({ desired: configMap(changed), live: configMap(config(20_000), '5') }));
    expect(text.split('\n').filter((line) => /^[-+](?![-+]{2})/.test(line))).toEqual(['-    key-04321 = value 53', '+    key-04321 = tuned']);
  });

  it('caps a rewrite of the whole value and says so', () => {
    const rewritten = config(20_000).map((line) => line.toUpperCase());
    const text = formatDiff(diffObject({ desired: configMap(rewritten), live: configMap(config(20_000), '5') }), { maxLines: 500 });
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBeLessThan(520);
    expect(text).toContain('# too many changed lines to align');
    expect(lines.at(-1)).toMatch(/^… [\d,]+ more lines \(\+[\d,]+ −[\d,]+\) not shown$/);
  });
});
