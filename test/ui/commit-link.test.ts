import { describe, expect, it } from 'vitest';
import { commitUrl } from '../../src/ui/commit-link.js';

const sha = '0123456789abcdef0123456789abcdef01234567';

describe('a revision links to its commit page', () => {
  it.each([
    ['https://github.com/acme/shop.git', `https://github.com/acme/shop/commit/${sha}`],
    ['https://github.com/acme/shop', `https://github.com/acme/shop/commit/${sha}`],
    ['git@github.com:acme/shop.git', `https://github.com/acme/shop/commit/${sha}`],
    ['ssh://git@github.com/acme/shop.git', `https://github.com/acme/shop/commit/${sha}`],
    ['https://gitlab.com/group/sub/shop.git', `https://gitlab.com/group/sub/shop/-/commit/${sha}`],
    ['https://gitlab.example.com/team/shop', `https://gitlab.example.com/team/shop/-/commit/${sha}`],
    ['https://codeberg.org/acme/shop.git', `https://codeberg.org/acme/shop/commit/${sha}`],
    ['https://gitea.example.com/acme/shop.git', `https://gitea.example.com/acme/shop/commit/${sha}`],
    ['https://user:token@github.com/acme/shop.git', `https://github.com/acme/shop/commit/${sha}`],
  ])('%s → %s', (url, expected) => {
    expect(commitUrl(url, sha)).toBe(expected);
  });

  it('links the commit of a revision that carries a values digest', () => {
    expect(commitUrl('https://github.com/acme/shop', `${sha}+values.0123456789ab`)).toBe(`https://github.com/acme/shop/commit/${sha}`);
  });

  it.each([
    ['an unknown host', 'https://git.internal/acme/shop.git', sha],
    ['a directory content hash', 'https://github.com/acme/shop', 'sha256:abc'],
    ['a chart revision', 'https://charts.example.com/shop', 'shop@1.2.3@sha256:abc'],
    ['a repository URL without owner', 'https://github.com/shop', sha],
  ])('gives no link for %s', (_, url, revision) => {
    expect(commitUrl(url, revision)).toBeUndefined();
  });
});
