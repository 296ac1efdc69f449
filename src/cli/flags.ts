/** Parsing of numeric flags, so that `--port abc` is a usage error rather than NaN downstream. */
import { FerryError } from '../errors.js';

/** A whole number of at least `min` (default 1), or an INVALID_ARGUMENT error naming the flag. */
export function wholeNumber(text: string, flag: string, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw new FerryError('INVALID_ARGUMENT', `${flag}: "${text}" is not a whole number ${range}`, { details: { flag, value: text } });
  }
  return value;
}

/** A commander argument parser for a whole-number flag: bad values fail while parsing argv. */
export const wholeNumberFlag =
  (flag: string, range: { min?: number; max?: number } = {}) =>
  (text: string): number =>
    wholeNumber(text, flag, range);
