import { describe, expect, it } from 'vitest';
import type { HistorySummary } from '../../src/history/index.js';
import { chooseRollbackTarget } from '../../src/cli/commands/rollback.js';

const entry = (number: number, revision: string, result: 'Succeeded' | 'Failed', action: 'sync' | 'rollback' = 'sync'): HistorySummary => ({
  number,
  revision: revision.padEnd(40, '0'),
  action,
  result,
  time: '2026-11-22T10:00:00Z',
  durationMs: 1000,
  message: '',
});

const history = [entry(1, 'aaaaaaa', 'Succeeded'), entry(2, 'bbbbbbb', 'Succeeded'), entry(3, 'ccccccc', 'Failed'), entry(4, 'bbbbbbb', 'Succeeded', 'rollback')];

describe('chooseRollbackTarget', () => {
  it('defaults to the newest good revision other than the current one', () => {
    expect(chooseRollbackTarget(history, undefined).number).toBe(1);
  });

  it('takes an entry number', () => {
    expect(chooseRollbackTarget(history, '2').number).toBe(2);
  });

  it('takes a commit SHA prefix, choosing the newest good entry with it', () => {
    expect(chooseRollbackTarget(history, 'bbbbbbb').number).toBe(4);
  });

  it('refuses a failed entry', () => {
    expect(() => chooseRollbackTarget(history, '3')).toThrow('history entry 3 (ccccccc) failed; roll back to a good one');
  });

  it('refuses an unknown entry', () => {
    expect(() => chooseRollbackTarget(history, '9')).toThrow('no history entry 9 (see: ferry history)');
  });

  it('says so when there is nothing earlier to go back to', () => {
    expect(() => chooseRollbackTarget([entry(1, 'aaaaaaa', 'Succeeded')], undefined)).toThrow(/no earlier good revision/);
  });
});
