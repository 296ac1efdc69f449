/** Helpers shared by the source specs: a GitSource over a fresh cache, captured log lines. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { GitSource, type GitSourceOptions } from '../../src/source/index.js';
import { createLogger, type Logger } from '../../src/log/index.js';

export const manifest = (name: string, value = '1') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

/** Log records written by a logger, parsed. */
export function captureLog(): { logger: Logger; records: Array<Record<string, unknown>> } {
  const out = new PassThrough();
  const records: Array<Record<string, unknown>> = [];
  out.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) records.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { logger: createLogger({ destination: out, level: 'debug' }), records };
}

/** GitSources over fresh cache directories, all removed by cleanup(). */
export function cacheDirs(): { source(options?: Partial<GitSourceOptions>): GitSource; cleanup(): void } {
  const dirs: string[] = [];
  return {
    source(options = {}) {
      const cacheDir = mkdtempSync(join(tmpdir(), 'ferry-cache-'));
      dirs.push(cacheDir);
      return new GitSource({ cacheDir, timeoutMs: 20_000, ...options });
    },
    cleanup() {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
