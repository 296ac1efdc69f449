import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLocalTree } from '../../src/source/index.js';
import { manifest } from './support.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A directory holding `files`, and symlinks given as `{ path: '-> target' }`. */
function directory(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), 'ferry-local-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    if (typeof content === 'string' && content.startsWith('-> ')) symlinkSync(content.slice(3), join(root, path));
    else writeFileSync(join(root, path), content);
  }
  return root;
}

describe('a local directory as a SourceTree', () => {
  it('lists without reading, leaves .git out, and applies the size limit only to the files read', async () => {
    const dir = directory({ 'deploy/a.yaml': manifest('a'), 'deploy/nested/b.yml': manifest('b'), 'assets/video.mp4': Buffer.alloc(4096, 1), '.git/config': '[core]\n' });
    const tree = await openLocalTree(dir, { maxFileBytes: 1024 });
    expect(await tree.listFiles('')).toEqual(['assets/video.mp4', 'deploy/a.yaml', 'deploy/nested/b.yml']);
    expect(await tree.listFiles('deploy')).toEqual(['deploy/a.yaml', 'deploy/nested/b.yml']);
    expect(await Promise.all(['deploy', 'deploy/a.yaml', 'nope', '.git/config'].map((path) => tree.stat(path)))).toEqual(['directory', 'file', 'missing', 'missing']);
    expect((await tree.readFile('deploy/a.yaml')).content.toString()).toBe(manifest('a'));
    await expect(tree.readFile('assets/video.mp4')).rejects.toMatchObject({ code: 'SOURCE_FILE_TOO_LARGE', message: 'assets/video.mp4: 4.0 KiB exceeds the 1.0 KiB file size limit' });
    await expect(tree.readFile('../outside.yaml')).rejects.toMatchObject({ code: 'SOURCE_UNSAFE_PATH' });
  });

  it('has a content revision: the same files give the same revision, wherever they are', async () => {
    const files = { 'deploy/a.yaml': manifest('a'), 'deploy/b.yaml': manifest('b') };
    const one = await openLocalTree(directory(files));
    const two = await openLocalTree(directory(files));
    const changed = await openLocalTree(directory({ ...files, 'deploy/b.yaml': manifest('b', '2') }));
    expect(one.revision).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(two.revision).toBe(one.revision);
    expect(changed.revision).not.toBe(one.revision);
  });

  it('keeps the revision an unchanged directory had before it was read as a tree', async () => {
    // Recorded from the whole-directory reader this tree replaces: history entries keep matching.
    const { revision } = await openLocalTree(directory({ 'a.yaml': manifest('a'), 'nested/b.yaml': manifest('b'), 'a-c.yaml': manifest('c') }));
    expect(revision).toBe('sha256:31302aa9f01d');
  });

  it('follows symlinks inside the directory, to files and to directories', async () => {
    const tree = await openLocalTree(directory({ 'base/cm.yaml': manifest('base'), 'base/deep/x.yaml': manifest('x'), 'deploy/shared': '-> ../base', 'deploy/one.yaml': '-> ../base/cm.yaml' }));
    expect(await tree.listFiles('deploy')).toEqual(['deploy/one.yaml', 'deploy/shared/cm.yaml', 'deploy/shared/deep/x.yaml']);
    expect(await tree.stat('deploy/shared')).toBe('directory');
    expect((await tree.readFile('deploy/shared/deep/x.yaml')).content.toString()).toBe(manifest('x'));
  });

  it.each([
    ['out of the directory', { 'deploy/escape.yaml': '-> /etc/hostname' }, 'deploy/escape.yaml: symlink points outside the directory; refused'],
    ['nowhere', { 'deploy/gone.yaml': '-> missing.yaml' }, 'deploy/gone.yaml: broken symlink'],
    ['round a cycle', { 'deploy/x.yaml': manifest('x'), 'deploy/again': '-> .' }, 'deploy/again: symlink leads back into a directory that contains it (a cycle); refused'],
  ])('refuses a symlink %s, naming the link', async (_case, files, message) => {
    const tree = await openLocalTree(directory({ ...files, 'fine/ok.yaml': manifest('ok') }));
    await expect(tree.listFiles('deploy')).rejects.toMatchObject({ code: 'SOURCE_UNSAFE_PATH', message });
    expect(await tree.listFiles('fine')).toEqual(['fine/ok.yaml']);
  });

  it('refuses a Git LFS pointer (a checkout without git lfs pull) where the file is read', async () => {
    const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${'0a1b2c3d'.repeat(8)}\nsize 2048\n`;
    const tree = await openLocalTree(directory({ 'deploy/crds.yaml': pointer }));
    await expect(tree.readFile('deploy/crds.yaml')).rejects.toMatchObject({ code: 'SOURCE_LFS_POINTER', message: expect.stringMatching(/^deploy\/crds.yaml: a Git LFS pointer \(to a 2.0 KiB object\); ferry does not fetch LFS objects/) });
  });

  it('reports a directory that does not exist', async () => {
    await expect(openLocalTree(join(tmpdir(), 'ferry-does-not-exist'))).rejects.toMatchObject({ code: 'SOURCE_PATH_NOT_FOUND' });
  });
});
