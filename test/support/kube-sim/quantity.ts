/**
 * Kubernetes resource quantities in their canonical form, as the API server stores them:
 * `0.5` → `500m`, `1024Mi` → `1Gi`, `1000` → `1k`, `1.5Gi` → `1536Mi`. Values are exact
 * (BigInt nano-units), so no float rounding changes what is stored.
 */
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const NANO = 10n ** 9n;

export function canonicalQuantity(input: string | number): string {
  const text = String(input).trim();
  const match = /^([+-]?)(\d+\.?\d*|\.\d+)(.*)$/.exec(text);
  if (!match) throw new Error(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  const [, sign, digits = '0', suffix = ''] = match;
  const [whole = '0', fraction = ''] = digits.split('.');
  // value = mantissa / 10^fraction.length
  let nano = BigInt(whole + fraction.padEnd(9, '0').slice(0, 9)) * (fraction.length > 9 ? 1n : 1n);
  if (fraction.length > 9) nano += 1n; // round up sub-nano precision, as the API server does
  let binary = false;
  if (suffix in BINARY) {
    nano *= 2n ** BigInt(BINARY[suffix] as number);
    binary = true;
  } else if (suffix in DECIMAL) {
    nano = scaleDecimal(nano, DECIMAL[suffix] as number);
  } else if (/^[eE][-+]?\d+$/.test(suffix)) {
    nano = scaleDecimal(nano, Number(suffix.slice(1)));
  } else {
    throw new Error(`unable to parse quantity's suffix`);
  }
  const negative = sign === '-' && nano !== 0n;
  const body = binary && nano % NANO === 0n ? formatBinary(nano / NANO) : formatDecimal(nano);
  return negative ? `-${body}` : body;
}

function scaleDecimal(nano: bigint, exponent: number): bigint {
  if (exponent >= 0) return nano * 10n ** BigInt(exponent);
  const divisor = 10n ** BigInt(-exponent);
  return (nano + divisor - 1n) / divisor;
}

function formatBinary(units: bigint): string {
  if (units === 0n) return '0';
  for (const [suffix, shift] of Object.entries(BINARY).reverse()) {
    const unit = 2n ** BigInt(shift);
    if (units >= unit && units % unit === 0n) return `${units / unit}${suffix}`;
  }
  return formatDecimal(units * NANO);
}

function formatDecimal(nano: bigint): string {
  if (nano === 0n) return '0';
  for (const [suffix, exponent] of Object.entries(DECIMAL).sort((a, b) => b[1] - a[1])) {
    const unit = exponent + 9 >= 0 ? 10n ** BigInt(exponent + 9) : 1n;
    if (nano % unit === 0n) return `${nano / unit}${suffix}`;
  }
  return `${nano}n`;
}
