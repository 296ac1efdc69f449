import { describe, expect, it } from 'vitest';
import { wholeNumber } from '../../src/cli/flags.js';
import { runCli } from '../support/cli.js';

describe('numeric flags', () => {
  it('accept whole numbers within their range', () => {
    expect(wholeNumber('8080', '--port', { min: 0, max: 65535 })).toBe(8080);
    expect(wholeNumber('0', '--port', { min: 0, max: 65535 })).toBe(0);
    expect(wholeNumber('4', '--concurrency')).toBe(4);
  });

  it.each(['abc', '', '1.5', '0', '-3', '101'])('reject %j with the flag and the allowed range', (text) => {
    expect(() => wholeNumber(text, '--history-limit', { max: 100 })).toThrow(`--history-limit: "${text}" is not a whole number from 1 to 100`);
  });

  it('make `ferry apply --history-limit many` exit 2 before contacting any cluster', async () => {
    const result = await runCli(['--kubeconfig', '/nonexistent/kubeconfig', 'apply', '.', '--history-limit', 'many']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--history-limit: "many" is not a whole number from 1 to 100');
  });

  it('make `ferry agent --port http` exit 2 before it starts', async () => {
    const result = await runCli(['--kubeconfig', '/nonexistent/kubeconfig', 'agent', '--port', 'http']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('--port: "http" is not a whole number from 0 to 65535');
  });
});
