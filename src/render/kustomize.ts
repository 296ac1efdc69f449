import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { parse } from 'yaml';
import type { SourceFile } from '../source/types.js';
import type { RenderProblem } from './errors.js';

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** The kustomization file directly in `dir` (posix, relative), if any. */
export function findKustomization(files: SourceFile[], dir: string): SourceFile | undefined {
  return KUSTOMIZATION_FILES.map((name) => files.find((file) => file.path === posix.join(dir, name).replace(/^\.\//, ''))).find(Boolean);
}

/**
 * Remote bases (URLs, `github.com/…`, `?ref=`) in any kustomization of the revision: they would
 * make the render depend on what another repository says today, so they are refused by default.
 */
export function findRemoteBases(files: SourceFile[]): RenderProblem[] {
  const problems: RenderProblem[] = [];
  for (const file of files) {
    if (!KUSTOMIZATION_FILES.includes(posix.basename(file.path))) continue;
    let document: Record<string, unknown>;
    try {
      document = (parse(file.content.toString('utf8')) ?? {}) as Record<string, unknown>;
    } catch {
      continue; // kustomize reports the syntax error itself
    }
    for (const field of ['resources', 'bases', 'components']) {
      const entries = document[field];
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        if (typeof entry === 'string' && /^(https?:\/\/|git@|ssh:\/\/|github\.com\/|gitlab\.com\/)|\?ref=|\.git(\/|$)/.test(entry)) {
          const line = file.content.toString('utf8').split('\n').findIndex((text) => text.includes(entry)) + 1;
          problems.push({ code: 'RENDER_REMOTE_BASE', file: file.path, line: Math.max(1, line), column: 1, message: `remote ${field.replace(/s$/, '')} "${entry}" refused: vendor it into the repository (remote bases are disabled by default)` });
        }
      }
    }
  }
  return problems;
}

/** Which kustomize to run: a `kustomize` binary on PATH, else `kubectl kustomize`. */
async function kustomizeCommand(): Promise<[string, string[]]> {
  const hasKustomize = await new Promise<boolean>((resolve) => execFile('kustomize', ['version'], { timeout: 10_000 }, (error) => resolve(!error)));
  return hasKustomize ? ['kustomize', ['build']] : ['kubectl', ['kustomize']];
}

/**
 * Runs kustomize on `dir` in a scratch copy of the revision's files (so bases elsewhere in the
 * repository resolve, and nothing runs in the cache). Its stderr becomes the error message.
 */
export async function runKustomize(files: SourceFile[], dir: string, timeoutMs: number): Promise<{ output?: string; problem?: RenderProblem }> {
  const scratch = await mkdtemp(join(tmpdir(), 'ferry-kustomize-'));
  try {
    for (const file of files) {
      const target = join(scratch, file.path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.content);
    }
    const [command, args] = await kustomizeCommand();
    const kustomization = findKustomization(files, dir);
    return await new Promise((resolve) => {
      execFile(command, [...args, join(scratch, dir)], { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (!error) return resolve({ output: stdout });
        const reason = (error as NodeJS.ErrnoException & { killed?: boolean }).killed
          ? `kustomize did not finish within ${timeoutMs / 1000}s`
          : cleanStderr(stderr, scratch) || error.message;
        resolve({ problem: { code: 'RENDER_KUSTOMIZE_FAILED', file: kustomization?.path ?? posix.join(dir, 'kustomization.yaml'), line: 1, column: 1, message: `kustomize build failed: ${reason}` } });
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
    .map((line) => line.replace(/^E\d{4} [\d:.]+\s+\d+ \S+\] /, '').replace(/^"command failed" err=/, '').replace(/^Error: /, ''))
    .filter(Boolean)
    .join(' ')
    .split(`${scratch}/`)
    .join('')
    .split(scratch)
    .join('.')
    .trim();
}
