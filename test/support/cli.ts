import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in-process, as a user would invoke `ferry <args>`, and captures its output. */
export async function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; isTTY?: boolean; signal?: AbortSignal; stdin?: string } = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const exitCode = await main(['node', 'ferry', ...args], {
    stdout,
    stderr,
    isTTY: options.isTTY ?? false,
    env: { ...process.env, ...options.env },
    stdin: Readable.from(options.stdin !== undefined ? [Buffer.from(options.stdin)] : []),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
