import { describe, expect, it } from 'vitest';
import { filesHelmLoads } from '../../../src/render/helm/helmignore.js';

const FILES = ['Chart.yaml', 'values.yaml', 'README.md', 'docs/shot.png', 'docs/guide/setup.md', 'ci/test-values.yaml', 'templates/app.yaml', 'templates/.app.yaml.swp', 'templates/NOTES.txt', 'notes.bak'];

describe('.helmignore rules, as helm reads them', () => {
  it.each([
    ['no rules: only helm’s own (dot files in templates/)', undefined, FILES.filter((f) => f !== 'templates/.app.yaml.swp')],
    ['a directory rule hides everything in it', 'docs/\n', FILES.filter((f) => !f.startsWith('docs/') && f !== 'templates/.app.yaml.swp')],
    ['a pattern without / matches the last path element anywhere', '*.png\n*.bak\n# a comment\n', FILES.filter((f) => !['docs/shot.png', 'notes.bak', 'templates/.app.yaml.swp'].includes(f))],
    ['a pattern with / matches the path from the chart root', 'ci/*.yaml\n/README.md\n', FILES.filter((f) => !['ci/test-values.yaml', 'README.md', 'templates/.app.yaml.swp'].includes(f))],
    ['character classes and ?', 'notes.ba[kx]\nREADME.m?\n', FILES.filter((f) => !['notes.bak', 'README.md', 'templates/.app.yaml.swp'].includes(f))],
  ])('%s', (_case, rules, expected) => {
    expect(filesHelmLoads(FILES, rules)).toEqual(expected);
  });
});
