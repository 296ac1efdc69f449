import { describe, expect, it } from 'vitest';
import { CommitFilesCache } from '../../src/source/files-cache.js';
import type { SourceFile } from '../../src/source/index.js';

const file = (path: string, size: number): SourceFile => ({ path, content: Buffer.alloc(size, 'x') });

describe('CommitFilesCache', () => {
  it('returns what was stored, as a fresh list each time', () => {
    const cache = new CommitFilesCache(1000);
    cache.set('repo|abc|deploy', [file('a.yaml', 10)]);
    const first = cache.get('repo|abc|deploy');
    first?.push(file('b.yaml', 1));
    expect(cache.get('repo|abc|deploy')?.map((f) => f.path)).toEqual(['a.yaml']);
    expect(cache.get('repo|def|deploy')).toBeUndefined();
  });

  it('evicts the least recently used commits to stay within its byte bound', () => {
    const cache = new CommitFilesCache(100);
    cache.set('one', [file('a', 39)]); // 40 bytes with the path
    cache.set('two', [file('b', 39)]);
    cache.get('one'); // now the most recent
    cache.set('three', [file('c', 39)]);
    expect(cache.get('two')).toBeUndefined();
    expect(cache.get('one')).toBeDefined();
    expect(cache.get('three')).toBeDefined();
    expect(cache.bytes).toBe(80);
  });

  it('does not keep a commit larger than the whole bound, and replaces an entry in place', () => {
    const cache = new CommitFilesCache(100);
    cache.set('huge', [file('a', 200)]);
    expect(cache.get('huge')).toBeUndefined();
    cache.set('same', [file('a', 9)]);
    cache.set('same', [file('a', 19)]);
    expect(cache.bytes).toBe(20);
  });
});
