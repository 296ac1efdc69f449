import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { runCli } from '../support/cli.js';
import { startTestCluster, eventually, type TestCluster } from '../support/cluster.js';
import { exchange } from '../ui/support.js';

describe('ferry ui', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('documents every flag in --help', async () => {
    const help = await runCli(['ui', '--help']);
    expect(help.exitCode).toBe(0);
    for (const flag of ['-A, --all-namespaces', '--port <port>', '--open', '--kubeconfig <path>', '--context <name>', '-n, --namespace', '127.0.0.1']) expect(help.stdout).toContain(flag);
    expect(help.stdout).toMatch(/\(default:\s+8090\)/);
  });

  it('refuses a port that is not one', async () => {
    const result = await runCli(['ui', '--port', 'http']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--port: "http" is not a whole number from 0 to 65535');
  });

  it('serves the page on 127.0.0.1 with the kubeconfig identity until stopped', async () => {
    const stop = new AbortController();
    const stdout = new PassThrough();
    let printed = '';
    stdout.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
    const running = main(['node', 'ferry', 'ui', '--kubeconfig', cluster.kubeconfigPath, '-n', 'default', '--port', '0'], { stdout, stderr: new PassThrough(), isTTY: false, env: process.env, signal: stop.signal });
    const url = await eventually(() => /ferry ui: (http:\/\/127\.0\.0\.1:\d+\/) \(namespace default; Ctrl-C to stop\)/.exec(printed)?.[1]);
    const page = await exchange(url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script src="/assets/app.js"');
    stop.abort();
    expect(await running).toBe(0);
    await expect(exchange(url)).rejects.toThrow();
  });
});
