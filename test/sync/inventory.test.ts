import { describe, expect, it } from 'vitest';
import { formatInventoryEntry, parseInventoryEntry } from '../../src/sync/index.js';

describe('inventory entries', () => {
  it.each([
    [{ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' }, 'Deployment/shop/web@apps/v1'],
    [{ apiVersion: 'v1', kind: 'Namespace', name: 'shop' }, 'Namespace/shop@v1'],
    [{ apiVersion: 'example.com/v1alpha1', kind: 'Widget', namespace: 'a', name: 'w-1' }, 'Widget/a/w-1@example.com/v1alpha1'],
  ])('round-trips %o as %s', (ref, text) => {
    expect(formatInventoryEntry(ref)).toBe(text);
    expect(parseInventoryEntry(text)).toEqual(ref);
  });

  it.each(['', 'Deployment/shop/web', '@v1', 'a/b/c/d@v1', 'Deployment//web@apps/v1'])('rejects %j', (text) => {
    expect(parseInventoryEntry(text)).toBeUndefined();
  });
});
