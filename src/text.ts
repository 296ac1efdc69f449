/** Small wording helpers shared by messages, errors and CLI output. */

/** `1 object`, `3 objects`, `2 layers`. */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : plural}`;
}
