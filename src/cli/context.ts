/**
 * What every command receives: where to write, whether that is a terminal, and the global
 * kubectl-style flags. Commands write through this object (never `console`) so tests can run the
 * CLI in-process and capture exactly what a user would see.
 */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** True when stdout is a terminal: enables colour and progress output. */
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  /** What `--password-stdin` reads (process.stdin when unset). */
  stdin?: NodeJS.ReadableStream;
  /** Ends long-running commands (`status -w`) cleanly; unset, they run until the process is interrupted. */
  signal?: AbortSignal;
}

/** Flags shared by every command that talks to a cluster, as kubectl spells them. */
export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
  output?: string;
  verbose?: boolean;
}

/** Exit codes, documented in `ferry --help` and the README. */
export const ExitCode = {
  /** Success; for `diff`: no changes. */
  Ok: 0,
  /** The operation failed, a sync rolled back, or (for `diff`) there are changes. */
  Failure: 1,
  /** Bad input or an error before anything was attempted (for `diff`: an error). */
  Error: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Thrown by a command to end with a given exit code after it has printed its own output. */
export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, isTTY: Boolean(process.stdout.isTTY), env: process.env };
}
