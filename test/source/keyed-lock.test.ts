import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../src/source/keyed-lock.js';

describe('KeyedLock', () => {
  it('runs work under one key one at a time, in the order it was queued, and other keys freely', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    let releaseFirst!: () => void;
    const first = lock.run('a', async () => {
      order.push('a1 start');
      await new Promise<void>((resolve) => (releaseFirst = resolve));
      order.push('a1 end');
    });
    const second = lock.run('a', async () => void order.push('a2'));
    const other = lock.run('b', async () => void order.push('b1'));
    await other;
    expect(order).toEqual(['a1 start', 'b1']);
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });

  it('releases the key when the work fails', async () => {
    const lock = new KeyedLock();
    await expect(lock.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(lock.run('a', async () => 'next')).resolves.toBe('next');
  });
});
