import { describe, expect, it } from 'vitest';
import { ObjectCache } from '../../src/source/object-cache.js';

describe('ObjectCache', () => {
  it('returns what was stored under an object id', () => {
    const cache = new ObjectCache(1000);
    cache.set('abc', Buffer.from('content'), 7);
    expect(cache.get<Buffer>('abc')?.toString()).toBe('content');
    expect(cache.get('def')).toBeUndefined();
  });

  it('evicts the least recently used objects to stay within its byte bound', () => {
    const cache = new ObjectCache(100);
    cache.set('one', 'a', 40);
    cache.set('two', 'b', 40);
    cache.get('one'); // now the most recent
    cache.set('three', 'c', 40);
    expect(cache.get('two')).toBeUndefined();
    expect(cache.get('one')).toBe('a');
    expect(cache.get('three')).toBe('c');
    expect(cache.bytes).toBe(80);
  });

  it('does not keep an object larger than the whole bound, and replaces an entry in place', () => {
    const cache = new ObjectCache(100);
    cache.set('huge', 'x', 200);
    expect(cache.get('huge')).toBeUndefined();
    cache.set('same', 'a', 10);
    cache.set('same', 'b', 20);
    expect(cache.bytes).toBe(20);
    expect(cache.get('same')).toBe('b');
  });
});
