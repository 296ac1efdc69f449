import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SourceFile } from '../source/types.js';
import type { RenderProblem } from './errors.js';

/** Which kustomize to run: a `kustomize` binary on PATH, else `kubectl kustomize`. */
let command: Promise<[string, string[]]> | undefined;
function kustomizeCommand(): Promise<[string, string[]]> {
  command ??= new Promise((resolve) =>
    execFile('kustomize', ['version'], { timeout: 10_000 }, (error) => resolve(error ? ['kubectl', ['kustomize']] : ['kustomize', ['build']])),
  );
  return command;
}

/** A digest of what one build reads and runs: the same digest builds the same output. */
export async function buildDigest(files: readonly SourceFile[], dir: string): Promise<string> {
  const hash = createHash('sha256').update((await kustomizeCommand()).flat().join(' ')).update('\0').update(dir).update('\0');
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(file.path).update('\0').update(createHash('sha256').update(file.content).digest()).update('\0');
  }
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Runs kustomize on `dir` in a scratch directory holding only the files the build reads (so
 * bases elsewhere in the repository resolve, and nothing runs in the cache). Its stderr becomes
 * the error message, located at the build's kustomization.
 */
export async function runKustomize(files: readonly SourceFile[], dir: string, kustomization: string, timeoutMs: number): Promise<{ output?: string; problem?: RenderProblem }> {
  const scratch = await mkdtemp(join(tmpdir(), 'ferry-kustomize-'));
  try {
    for (const file of files) {
      const target = join(scratch, file.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.content);
    }
    const [binary, args] = await kustomizeCommand();
    return await new Promise((resolve) => {
      execFile(binary, [...args, join(scratch, dir)], { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (!error) return resolve({ output: stdout });
        const reason = (error as NodeJS.ErrnoException & { killed?: boolean }).killed
          ? `kustomize did not finish within ${timeoutMs / 1000}s`
          : cleanStderr(stderr, scratch) || error.message;
        resolve({ problem: { code: 'RENDER_KUSTOMIZE_FAILED', file: kustomization, line: 1, column: 1, message: `kustomize build failed: ${reason}` } });
      });
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** kustomize's message without log prefixes and with scratch paths made relative to the repository. */
function cleanStderr(stderr: string, scratch: string): string {
  return stderr
    .split('\n')
    .filter((line) => !/^# Warning: /.test(line))
    .map((line) => line.replace(/^E\d{4} [\d:.]+\s+\d+ \S+\] /, '').replace(/^"command failed" err=/, '').replace(/^Error: /, ''))
    .filter(Boolean)
    .join(' ')
    .split(`${scratch}/`)
    .join('')
    .split(scratch)
    .join('.')
    .trim();
}
