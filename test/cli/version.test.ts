import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('ferry version', () => {
  it('prints the package version and exits 0', async () => {
    const result = await runCli(['version']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^ferry \d+\.\d+\.\d+ \(node v\d+/);
  });

  it('exits 2 with a usage hint on an unknown command', async () => {
    const result = await runCli(['frobnicate']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });
});
