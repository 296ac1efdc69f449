import { describe, expect, it } from 'vitest';
import { isSshUrl, parseSshUrl, uploadPackCommand } from '../../src/source/index.js';

describe('SSH addresses, read as git reads them', () => {
  it.each([
    ['ssh://git@github.com/team/app.git', { user: 'git', host: 'github.com', port: 22, path: '/team/app.git', knownHostsName: 'github.com' }],
    ['ssh://git@git.example.com:2222/srv/git/app.git', { user: 'git', host: 'git.example.com', port: 2222, path: '/srv/git/app.git', knownHostsName: '[git.example.com]:2222' }],
    ['ssh://gitea.example.com/team/app.git', { user: 'git', host: 'gitea.example.com', port: 22, path: '/team/app.git' }],
    ['ssh://deploy@[::1]:2200/app.git', { user: 'deploy', host: '::1', port: 2200, path: '/app.git', knownHostsName: '[::1]:2200' }],
    ['ssh://git@host/~alice/app.git', { path: '~alice/app.git' }],
    ['git+ssh://git@host/app.git', { host: 'host', path: '/app.git' }],
    ['git@github.com:team/app.git', { user: 'git', host: 'github.com', port: 22, path: 'team/app.git', knownHostsName: 'github.com' }],
    ['forgejo@code.example.org:/srv/app.git', { user: 'forgejo', host: 'code.example.org', path: '/srv/app.git' }],
    ['github.com:team/app.git', { user: 'git', host: 'github.com', path: 'team/app.git' }],
  ])('%s', (url, expected) => {
    expect(parseSshUrl(url)).toMatchObject(expected);
    expect(isSshUrl(url)).toBe(true);
  });

  it.each(['https://github.com/team/app.git', 'http://127.0.0.1:8080/app.git', 'file:///srv/app.git', 'oci://registry/charts', './deploy', 'deploy/app', 'C::weird', 'ssh://git@host:99999/app.git'])(
    '%s is not SSH',
    (url) => {
      expect(isSshUrl(url)).toBe(false);
    },
  );

  it('shows a URL without the password someone wrote into it', () => {
    expect(parseSshUrl('ssh://git:hunter2@host:2222/app.git')?.display).toBe('ssh://git@host:2222/app.git');
  });

  it('quotes the path for the remote shell as git does', () => {
    expect(uploadPackCommand('/srv/it\'s here!.git')).toBe(`git-upload-pack '/srv/it'\\''s here'\\!'.git'`);
  });
});
