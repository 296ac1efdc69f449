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

  it('refuses an entry kept without its objects (too large for history), saying why, by number or by default', () => {
    const kept = [entry(1, 'aaaaaaa', 'Succeeded'), { ...entry(2, 'bbbbbbb', 'Succeeded'), objectsOmittedKiB: 1200 }, entry(3, 'ccccccc', 'Succeeded')];
    const why = 'history entry 2 keeps revision bbbbbbb without its objects (they were more than a history Secret holds); roll back with a Git revert instead';
    expect(() => chooseRollbackTarget(kept, '2')).toThrow(why);
    expect(() => chooseRollbackTarget(kept, undefined)).toThrow(why);
    expect(chooseRollbackTarget(kept, '1').number).toBe(1);
  });

  it('says so when there is nothing earlier to go back to', () => {
    expect(() => chooseRollbackTarget([entry(1, 'aaaaaaa', 'Succeeded')], undefined)).toThrow(/no earlier good revision/);
  });
});
