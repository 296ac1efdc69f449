import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/sync/index.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
    ['2h', 7_200_000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['5', '', 'm', '5d', '-1s', '1 m'])('refuses %j with a message naming the field', (text) => {
    expect(() => parseDuration(text, 'spec.health.timeout')).toThrow(/spec\.health\.timeout: .* is not a duration/);
  });
});

describe('formatDuration', () => {
  it.each([
    [250, '250ms'],
    [1234, '1.2s'],
    [42_000, '42s'],
    [184_000, '3m4s'],
    [3_720_000, '1h2m'],
  ])('prints %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
