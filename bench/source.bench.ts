/**
 * Git source: a generated repository of 2,000 YAML files on the local git http-backend server.
 * First clone with ferry vs native `git clone --depth 1`, an unchanged poll (time, requests,
 * bytes) and an incremental fetch after a one-file change.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitSource } from '../src/source/index.js';
import { startGitServer } from '../test/support/git-server.js';
import { heading, measure, report } from './support/measure.js';

// The native clone must run asynchronously: the Git server lives in this same process.
export default async function sourceBenchmark(): Promise<void> {
  heading('source: 2,000-file repository on a local git http-backend');
  const server = await startGitServer();
  const repo = await server.createRepo('bench');
  const files: Record<string, string> = {};
  for (let i = 0; i < 2000; i++) {
    files[`apps/app-${i % 40}/cm-${i}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  labels: {app: app-${i % 40}}\ndata:\n  index: "${i}"\n  payload: "${'x'.repeat(200)}"\n`;
  }
  await repo.commitAndPush(files, 'generated');
  const work = mkdtempSync(join(tmpdir(), 'ferry-bench-source-'));
  try {
    const native = await measure(() => promisify(execFile)('git', ['clone', '--quiet', '--depth', '1', '--no-checkout', repo.url, join(work, 'native')]));
    const source = new GitSource({ cacheDir: join(work, 'cache') });
    server.resetRequests();
    const clone = await measure(() => source.fetch(repo.url));
    const cloneBytes = server.requests.reduce((sum, r) => sum + r.bytesOut, 0);
    const read = await measure(() => source.readFiles(repo.url, clone.result.commit));
    const reread = await measure(() => source.readFiles(repo.url, clone.result.commit));
    server.resetRequests();
    const poll = await measure(() => source.fetch(repo.url));
    const pollRequests = server.requests.length;
    const pollBytes = server.requests.reduce((sum, r) => sum + r.bytesOut, 0);
    await repo.commitAndPush({ 'apps/app-0/cm-0.yaml': files['apps/app-0/cm-0.yaml']!.replace('"0"', '"changed"') }, 'one change');
    server.resetRequests();
    const incremental = await measure(() => source.fetch(repo.url));
    const incrementalBytes = server.requests.reduce((sum, r) => sum + r.bytesOut, 0);
    report('native git clone --depth 1', native.ms, 'ms');
    report('ferry first clone (depth 1)', clone.ms, 'ms');
    report('ferry / native clone time', clone.ms / native.ms, '×');
    report('first clone download', cloneBytes / 1024, 'KiB');
    report('read 2,000 files of the commit', read.ms, 'ms');
    report('read them again (unchanged poll, in memory)', reread.ms, 'ms');
    report('unchanged poll', poll.ms, 'ms');
    report('unchanged poll HTTP requests', pollRequests);
    report('unchanged poll download', pollBytes, 'bytes');
    report('incremental fetch after one change', incremental.ms, 'ms');
    report('incremental fetch download', incrementalBytes / 1024, 'KiB');
    report('peak RSS', Math.max(clone.peakRssMiB, read.peakRssMiB), 'MiB');
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
