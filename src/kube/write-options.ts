import type { WarningHandler } from './warnings.js';

/**
 * How the server treats fields the object's schema does not have, or fields given twice
 * (the `fieldValidation` parameter, Kubernetes 1.25+): `Strict` refuses the write, `Warn`
 * accepts it and warns, `Ignore` drops them silently.
 */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** Options of every write (create, replace, patch). */
export interface WriteOptions {
  dryRun?: boolean;
  /** Recorded in managedFields (default `ferry`). */
  fieldManager?: string;
  subresource?: 'status';
  /**
   * Default `Strict`: an unknown or duplicate field is a FieldValidationError naming the object
   * and the field paths, also on a server that ignores the parameter but warns about the fields.
   */
  fieldValidation?: FieldValidation;
  /** Receives this write's other warnings (deprecations …) instead of the client's handler. */
  onWarning?: WarningHandler;
}

/** The query parameters a write sends. */
export function writeQuery(options: WriteOptions): Record<string, string | undefined> {
  return { dryRun: options.dryRun ? 'All' : undefined, fieldManager: options.fieldManager ?? 'ferry', fieldValidation: options.fieldValidation ?? 'Strict' };
}

/** What the answer of a write is checked for: unknown-field warnings under Strict, and who hears the rest. */
export function writeChecks(options: WriteOptions): { strictFields: boolean; dryRun: boolean; onWarning?: WarningHandler } {
  return { strictFields: (options.fieldValidation ?? 'Strict') === 'Strict', dryRun: Boolean(options.dryRun), ...(options.onWarning ? { onWarning: options.onWarning } : {}) };
}

/** The path suffix of a write to a subresource (`/status`). */
export function subresourcePath(options: WriteOptions): string {
  return options.subresource ? `/${options.subresource}` : '';
}
