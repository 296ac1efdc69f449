/**
 * Resource quantities by value: `0.5` = `500m`, `1Gi` = `1024Mi`. The API server stores the
 * canonical form, so Git's spelling must not read as drift. Values are exact (BigInt nano-units).
 */
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/** The value of a quantity in nano-units, or undefined when the text is not a quantity. */
export function parseQuantity(input: string | number): bigint | undefined {
  const match = /^([+-]?)(\d+\.?\d*|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][-+]?\d+)?$/.exec(String(input).trim());
  if (!match) return undefined;
  const [, sign, digits = '0', suffix = ''] = match;
  const [whole = '0', fraction = ''] = digits.split('.');
  let nano = BigInt(whole + fraction.padEnd(9, '0').slice(0, 9));
  if (suffix in BINARY) nano *= 2n ** BigInt(BINARY[suffix] as number);
  else {
    const exponent = suffix in DECIMAL ? (DECIMAL[suffix] as number) : Number(suffix.slice(1));
    nano = exponent >= 0 ? nano * 10n ** BigInt(exponent) : nano / 10n ** BigInt(-exponent);
  }
  return sign === '-' ? -nano : nano;
}

/** True when both are quantities of the same value. */
export function quantitiesEqual(a: unknown, b: unknown): boolean {
  if ((typeof a !== 'string' && typeof a !== 'number') || (typeof b !== 'string' && typeof b !== 'number')) return false;
  const x = parseQuantity(a);
  return x !== undefined && x === parseQuantity(b);
}
