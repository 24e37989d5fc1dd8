/**
 * Kubernetes quantities (`resource.Quantity`): "500m", "1.5", "128Mi", "1e3". Parsed exactly
 * (bigint rationals, no floating point) and rounded up like the API machinery's
 * Value()/MilliValue(), so "0.1m" of CPU is 1 millicore, never 0.
 */

/** An exact, non-negative-or-negative rational value: `numerator / denominator`. */
export interface Quantity {
  numerator: bigint;
  denominator: bigint;
}

const GRAMMAR = /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL_EXPONENT: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** Largest magnitude the API machinery accepts (int64). */
const MAX = (1n << 63n) - 1n;

function scale(numerator: bigint, denominator: bigint, exponent: number): Quantity {
  return exponent >= 0
    ? { numerator: numerator * 10n ** BigInt(exponent), denominator }
    : { numerator, denominator: denominator * 10n ** BigInt(-exponent) };
}

function applySuffix(numerator: bigint, denominator: bigint, suffix: string): Quantity {
  const binary = BINARY[suffix];
  if (binary !== undefined) return { numerator: numerator * binary, denominator };
  const decimal = DECIMAL_EXPONENT[suffix];
  if (decimal !== undefined) return scale(numerator, denominator, decimal);
  return scale(numerator, denominator, Number(suffix.slice(1)));
}

/**
 * Parses a quantity; `undefined` when it does not follow the grammar or exceeds int64
 * (the API server's "quantities must match the regular expression" case).
 */
export function parseQuantity(input: string | number): Quantity | undefined {
  const match = GRAMMAR.exec(typeof input === 'number' ? String(input) : input.trim());
  if (!match) return undefined;
  const [, sign, number = '', suffix = ''] = match;
  const [whole, fraction = ''] = number.split('.');
  const magnitude = BigInt(`${whole || '0'}${fraction}`);
  const q = applySuffix(sign === '-' ? -magnitude : magnitude, 10n ** BigInt(fraction.length), suffix);
  return ceilDiv(q.numerator < 0n ? -q.numerator : q.numerator, q.denominator) > MAX ? undefined : q;
}

/** a / b (b > 0) rounded up, away from zero, as the API machinery's inf.RoundUp rounds. */
function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  if (q * b === a) return q;
  return a < 0n ? q - 1n : q + 1n;
}

/** The value in thousandths, rounded up away from zero (CPU in millicores). */
export function milliValue(q: Quantity): bigint {
  return ceilDiv(q.numerator * 1000n, q.denominator);
}

/** The value in units, rounded up away from zero (memory in bytes). */
export function value(q: Quantity): bigint {
  return ceilDiv(q.numerator, q.denominator);
}

/** -1, 0 or 1 as a is less than, equal to or greater than b. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const left = a.numerator * b.denominator;
  const right = b.numerator * a.denominator;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Whether the quantity is below zero. */
export function isNegative(q: Quantity): boolean {
  return q.numerator < 0n;
}
