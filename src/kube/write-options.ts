/** Options of every write (create, replace, patch). */
export interface WriteOptions {
  dryRun?: boolean;
  /** Recorded in managedFields (default `ferry`). */
  fieldManager?: string;
  subresource?: 'status';
}

/** The query parameters a write sends. */
export function writeQuery(options: WriteOptions): Record<string, string | undefined> {
  return { dryRun: options.dryRun ? 'All' : undefined, fieldManager: options.fieldManager ?? 'ferry' };
}

/** The path suffix of a write to a subresource (`/status`). */
export function subresourcePath(options: WriteOptions): string {
  return options.subresource ? `/${options.subresource}` : '';
}
