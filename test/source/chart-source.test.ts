import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChartSource, pickVersion } from '../../src/source/index.js';
import { readChartArchive } from '../../src/source/helm/tar.js';
import { packageChart, removeScratch, scratchDir } from '../support/charts.js';
import { startChartRepository, TEST_CA, type ChartRepository } from '../support/chart-repository.js';
import { ociRegistry, startOciRegistry, type OciRegistry } from '../support/oci-registry.js';

const VERSIONS = ['1.1.0', '1.2.0', '1.2.3', '1.3.0-rc.1', '2.0.0'];
let archives: Map<string, string>;

beforeAll(async () => {
  archives = new Map();
  for (const version of VERSIONS) archives.set(version, await packageChart('cache', { version }));
});
afterAll(() => removeScratch());

describe('choosing a chart version as Helm does', () => {
  it.each([
    ['>=1.2 <2', '1.2.3'],
    ['>=1.1, <1.2', '1.1.0'],
    ['~1.2.0', '1.2.3'],
    ['^1', '1.2.3'],
    ['1.2.0', '1.2.0'],
    [undefined, '2.0.0'],
    ['', '2.0.0'],
    ['>=1.3.0-0 <2', '1.3.0-rc.1'],
  ])('%s picks %s', (range, expected) => {
    expect(pickVersion(VERSIONS, range, 'cache')).toBe(expected);
  });

  it('says which versions there are when none matches, and what a bad range is', () => {
    expect(() => pickVersion(VERSIONS, '>=3', 'charts.example.com chart cache')).toThrow('charts.example.com chart cache: no version matches ">=3" (newest: 2.0.0, 1.3.0-rc.1, 1.2.3, 1.2.0, 1.1.0)');
    expect(() => pickVersion(VERSIONS, 'latest please', 'cache')).toThrow('cache: version "latest please" is neither a version nor a range');
  });
});

describe('charts from a Helm repository (index.yaml over HTTP)', () => {
  let repository: ChartRepository;
  beforeAll(async () => {
    repository = await startChartRepository();
    for (const archive of archives.values()) await repository.publish(archive);
  });
  afterAll(async () => repository?.stop());

  it('resolves a range to the highest version the index lists, named chart@version with the archive digest', async () => {
    const fetched = await new ChartSource().fetch({ repository: repository.url, chart: 'cache', version: '>=1.2 <2' });
    const digest = `sha256:${execFileSync('sha256sum', [archives.get('1.2.3') as string], { encoding: 'utf8' }).split(' ')[0]}`;
    expect(fetched).toMatchObject({ chart: 'cache', version: '1.2.3', digest, revision: `cache@1.2.3@${digest.slice(0, 19)}` });
    expect(await fetched.tree.stat('Chart.yaml')).toBe('file');
    expect((await fetched.tree.readFile('Chart.yaml')).content.toString()).toContain('version: 1.2.3');
    expect(await fetched.tree.listFiles('templates')).toEqual(['templates/_helpers.tpl', 'templates/deployment.yaml', 'templates/service.yaml']);
  });

  it('on a poll that finds the same version, asks for the index only (answered 304) and downloads nothing', async () => {
    const source = new ChartSource();
    const first = await source.fetch({ repository: repository.url, chart: 'cache', version: '~1.2.0' });
    repository.requests.length = 0;
    const second = await source.fetch({ repository: repository.url, chart: 'cache', version: '~1.2.0' });
    expect(second.revision).toBe(first.revision);
    expect(repository.requests).toEqual([{ method: 'GET', path: '/index.yaml', status: 304, authorized: true }]);
  });

  it('takes a new version inside the range as a new revision', async () => {
    const source = new ChartSource();
    const before = await source.fetch({ repository: repository.url, chart: 'cache', version: '~1.2.0' });
    const repo = await startChartRepository();
    try {
      for (const version of ['1.2.0', '1.2.3']) await repo.publish(archives.get(version) as string);
      expect((await source.fetch({ repository: repo.url, chart: 'cache', version: '~1.2.0' })).version).toBe('1.2.3');
      await repo.publish(await packageChart('cache', { version: '1.2.4' }));
      const after = await source.fetch({ repository: repo.url, chart: 'cache', version: '~1.2.0' });
      expect(after.version).toBe('1.2.4');
      expect(after.revision).not.toBe(before.revision);
    } finally {
      await repo.stop();
    }
  });

  it('follows URLs relative to the index, as helm repo index writes them without --url', async () => {
    const relative = await startChartRepository({ urls: 'relative' });
    try {
      await relative.publish(archives.get('2.0.0') as string);
      expect((await new ChartSource().fetch({ repository: `${relative.url}/`, chart: 'cache' })).version).toBe('2.0.0');
    } finally {
      await relative.stop();
    }
  });

  it('refuses an archive whose digest is not the one the index lists', async () => {
    const repo = await startChartRepository();
    try {
      await repo.publish(archives.get('1.2.0') as string);
      repo.tamper('cache-1.2.0.tgz');
      await expect(new ChartSource().fetch({ repository: repo.url, chart: 'cache' })).rejects.toMatchObject({
        code: 'SOURCE_DIGEST_MISMATCH',
        message: expect.stringMatching(/chart cache 1\.2\.0: the archive's digest is sha256:[0-9a-f]{64}, not the sha256:[0-9a-f]{64} the index lists; refusing it$/),
      });
    } finally {
      await repo.stop();
    }
  });

  it('names the charts the repository has when the chart is not among them', async () => {
    await expect(new ChartSource().fetch({ repository: repository.url, chart: 'shop' })).rejects.toMatchObject({
      code: 'SOURCE_CHART_NOT_FOUND',
      message: `${repository.url} chart shop: the repository has no chart "shop" (it has: cache)`,
    });
  });

  it('sends the Secret’s username and password, and says when they are refused without showing them', async () => {
    const repo = await startChartRepository({ auth: { username: 'ci', password: 'hunter2-secret' } });
    try {
      await repo.publish(archives.get('1.2.0') as string);
      expect((await new ChartSource().fetch({ repository: repo.url, chart: 'cache' }, { username: 'ci', password: 'hunter2-secret' })).version).toBe('1.2.0');
      const refused = new ChartSource().fetch({ repository: repo.url, chart: 'cache' }, { username: 'ci', password: 'wrong-password' });
      await expect(refused).rejects.toMatchObject({ code: 'SOURCE_AUTH_FAILED', message: `${repo.url}/index.yaml: HTTP 401: the repository refused the credentials of the Secret` });
      await expect(new ChartSource().fetch({ repository: repo.url, chart: 'cache' })).rejects.toThrow('the repository wants credentials (name a Secret with username and password)');
    } finally {
      await repo.stop();
    }
  });

  it('trusts a repository served with a private CA only with that CA (the Secret’s ca.crt)', async () => {
    const repo = await startChartRepository({ tls: true, auth: { username: 'ci', password: 'hunter2-secret' } });
    try {
      await repo.publish(archives.get('1.2.3') as string);
      await expect(new ChartSource().fetch({ repository: repo.url, chart: 'cache' }, { username: 'ci', password: 'hunter2-secret' })).rejects.toThrow(/its TLS certificate is not trusted .*put the CA in the Secret's ca\.crt/);
      const fetched = await new ChartSource().fetch({ repository: repo.url, chart: 'cache' }, { username: 'ci', password: 'hunter2-secret', caCert: TEST_CA });
      expect(fetched.version).toBe('1.2.3');
    } finally {
      await repo.stop();
    }
  });
});

describe.skipIf(ociRegistry.skip)('charts from an OCI registry', () => {
  let registry: OciRegistry;
  const digests = new Map<string, string>();
  beforeAll(async () => {
    registry = await startOciRegistry();
    for (const [version, archive] of archives) digests.set(version, await registry.push(archive));
  });
  afterAll(async () => registry?.stop());

  it('resolves a range over the registry’s tags and names the chart by its manifest digest', async () => {
    const fetched = await new ChartSource().fetch({ repository: registry.url, chart: 'cache', version: '>=1.2 <2', insecure: true });
    expect(fetched).toMatchObject({ version: '1.2.3', digest: digests.get('1.2.3'), revision: `cache@1.2.3@${digests.get('1.2.3')?.slice(0, 19)}` });
    expect((await fetched.tree.readFile('Chart.yaml')).content.toString()).toContain('version: 1.2.3');
  });

  it('reads a version with build metadata from the tag helm pushed it as (+ becomes _)', async () => {
    await registry.push(await packageChart('cache', { version: '1.2.4+build.7' }));
    const fetched = await new ChartSource().fetch({ repository: registry.url, chart: 'cache', version: '~1.2.0', insecure: true });
    expect(fetched.version).toBe('1.2.4+build.7');
  });

  it('says when the registry has no such chart', async () => {
    await expect(new ChartSource().fetch({ repository: registry.url, chart: 'nothing-here', insecure: true })).rejects.toMatchObject({ code: 'SOURCE_NOT_FOUND' });
  });

  it('pulls through the token handshake with the Secret’s credentials, over HTTPS with its CA; refuses without them', async () => {
    const secured = await startOciRegistry({ auth: { username: 'robot', password: 'pull-token-value' }, tls: true });
    try {
      await secured.push(archives.get('2.0.0') as string);
      const ref = { repository: secured.url, chart: 'cache' };
      const fetched = await new ChartSource().fetch(ref, { username: 'robot', password: 'pull-token-value', caCert: TEST_CA });
      expect(fetched.version).toBe('2.0.0');
      expect(secured.requests.map((r) => `${r.status} ${r.path.split('?')[0]}`)).toEqual(expect.arrayContaining(['401 /v2/charts/cache/tags/list', '200 /token', '200 /v2/charts/cache/tags/list']));
      const refused = new ChartSource().fetch(ref, { username: 'robot', password: 'guessed', caCert: TEST_CA });
      await expect(refused).rejects.toMatchObject({ code: 'SOURCE_AUTH_FAILED' });
      await expect(refused).rejects.not.toThrow(/guessed/);
      await expect(new ChartSource().fetch(ref, { caCert: TEST_CA })).rejects.toThrow('refused anonymous access (name a Secret with username and password)');
    } finally {
      await secured.stop();
    }
  });
});

describe('reading a packaged chart', () => {
  it('refuses an archive entry that leaves the chart', () => {
    const dir = scratchDir();
    mkdirSync(join(dir, 'chart'));
    writeFileSync(join(dir, 'chart', 'Chart.yaml'), 'name: x\n');
    writeFileSync(join(dir, 'evil'), 'escaped');
    execFileSync('tar', ['-czPf', join(dir, 'evil.tgz'), '-C', join(dir, 'chart'), 'Chart.yaml', '../evil']);
    expect(() => readChartArchive(readFileSync(join(dir, 'evil.tgz')), 'evil.tgz')).toThrow('evil.tgz: archive entry "../evil" points outside the chart; refused');
  });
});
