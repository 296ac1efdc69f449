import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { eventually } from '../support/cluster.js';
import { gitSync, startBed, type Bed } from '../agent/harness.js';

let bed: Bed;
beforeAll(async () => {
  bed = await startBed();
});
afterAll(async () => bed?.stop());

describe('ferry status -w', () => {
  it('lists, then prints a row for every change until interrupted', async () => {
    const ns = await bed.cluster.newNamespace('statusw');
    await bed.client.create(gitSync(ns, 'first', 'https://git.example.com/first.git'));
    const abort = new AbortController();
    const watchRequests = () => bed.cluster.sim?.requests.filter((r) => r.verb === 'watch' && r.resource === 'gitsyncs').length ?? 0;
    const before = watchRequests();
    const watching = runCli(['--kubeconfig', bed.cluster.kubeconfigPath, '-n', ns, 'status', '-w'], { signal: abort.signal });
    if (bed.cluster.sim) await eventually(async () => watchRequests() > before);
    await bed.client.create(gitSync(ns, 'second', 'https://git.example.com/second.git'));
    await bed.client.mergePatch({ apiVersion: 'ferry.dev/v1alpha1', kind: 'GitSync', namespace: ns, name: 'first' }, { spec: { suspend: true } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    abort.abort();
    const result = await watching;
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+URL\s+REVISION/);
    expect(lines[1]).toMatch(/^first\s+https:\/\/git\.example\.com\/first\.git/);
    // The changes, in order, without repeating the header.
    expect(lines.slice(2).map((line) => line.split(/\s+/)[0])).toEqual(['second', 'first']);
  });

  it('prints each change as a JSON document with -o json', async () => {
    const ns = await bed.cluster.newNamespace('statusw');
    const abort = new AbortController();
    const watching = runCli(['--kubeconfig', bed.cluster.kubeconfigPath, '-n', ns, 'status', '-w', '-o', 'json'], { signal: abort.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await bed.client.create(gitSync(ns, 'third', 'https://git.example.com/third.git'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    abort.abort();
    const { stdout } = await watching;
    // First the (empty) list, then the new GitSync as a document of its own.
    const documents = stdout.split(/\n(?=\{)/).map((text) => JSON.parse(text) as { kind: string; metadata?: { name: string } });
    expect(documents.map((d) => d.kind)).toEqual(['List', 'GitSync']);
    expect(documents[1]?.metadata?.name).toBe('third');
  });
});
