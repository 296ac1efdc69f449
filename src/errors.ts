/**
 * The root of ferry's error hierarchy. Every error a user can see is a FerryError: it carries a
 * stable `code` (documented, safe to match on), structured `details` for machine output, and the
 * underlying `cause`. Messages are one line: what failed, where, and what to do about it.
 * Each folder defines its own subclasses next to the code that throws them.
 */
export class FerryError extends Error {
  /** Stable, documented identifier such as `KUBE_NOT_FOUND` or `RENDER_YAML_SYNTAX`. */
  readonly code: string;
  /** Structured context (object reference, file and line, HTTP status …) for `-o json` output. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

/** True when `error` is a FerryError with the given code. */
export function hasCode(error: unknown, code: string): error is FerryError {
  return error instanceof FerryError && error.code === code;
}

/** A short, one-line description of any thrown value, for logs and CLI output. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
