import { describe, expect, it } from 'vitest';
import { formatAge, formatTable, parseOutputFormat } from '../../src/cli/output.js';

describe('formatTable', () => {
  const rows = [{ name: 'shop', ready: 'True', message: 'in sync' }, { name: 'billing-api', ready: 'False', message: 'health check failed' }];
  const columns = [
    { header: 'NAME', value: (r: (typeof rows)[number]) => r.name },
    { header: 'READY', value: (r: (typeof rows)[number]) => r.ready },
    { header: 'MESSAGE', value: (r: (typeof rows)[number]) => r.message, wide: true },
  ];

  it('aligns columns kubectl-style and hides wide columns by default', () => {
    expect(formatTable(rows, columns)).toBe('NAME          READY\nshop          True\nbilling-api   False\n');
  });

  it('shows wide columns with -o wide', () => {
    expect(formatTable(rows, columns, true)).toBe(
      'NAME          READY   MESSAGE\nshop          True    in sync\nbilling-api   False   health check failed\n',
    );
  });
});

describe('formatAge', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  it.each([
    ['2026-11-22T11:59:30Z', '30s'],
    ['2026-11-22T11:50:00Z', '10m'],
    ['2026-11-22T07:00:00Z', '5h'],
    ['2026-11-20T12:00:00Z', '2d'],
  ])('prints the age of %s as %s', (since, age) => {
    expect(formatAge(since, now)).toBe(age);
  });
});

describe('parseOutputFormat', () => {
  it('refuses an unknown format with the allowed ones', () => {
    expect(() => parseOutputFormat('xml')).toThrow('unknown output format "xml": use one of table, wide, json, yaml');
  });
});
