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

/** A non-zero value with more integer digits than this is beyond int64, whatever its suffix. */
const MAX_ORDER = 19;
/**
 * A non-zero value whose first digit lies further below the point than this is below 1n even
 * times 2^60 (the largest suffix): like the API machinery, it is rounded up to 1n.
 */
const MIN_ORDER = -30;
const NANO: Quantity = { numerator: 1n, denominator: 10n ** 9n };

/** The decimal exponent a suffix adds (0 for binary suffixes, which multiply by a power of two). */
function decimalExponent(suffix: string): number {
  if (BINARY[suffix] !== undefined) return 0;
  return DECIMAL_EXPONENT[suffix] ?? Number(suffix.slice(1));
}

/**
 * Parses a quantity; `undefined` when it does not follow the grammar or exceeds int64
 * (the API server's "quantities must match the regular expression" case).
 */
export function parseQuantity(input: string | number): Quantity | undefined {
  const match = GRAMMAR.exec(typeof input === 'number' ? String(input) : input.trim());
  return match ? fromParts(match[1] ?? '', match[2] ?? '', match[3] ?? '') : undefined;
}

/** The quantity of a sign, a decimal number and a suffix that match the grammar. */
function fromParts(sign: string, number: string, suffix: string): Quantity | undefined {
  const [whole = '', fraction = ''] = number.split('.');
  const significant = `${whole}${fraction}`.replace(/^0+/, '');
  if (significant === '') return { numerator: 0n, denominator: 1n };
  // Decided before any power of ten is computed: "1e999999999" would take minutes, then throw.
  const order = significant.length - fraction.length + decimalExponent(suffix);
  if (order > MAX_ORDER) return undefined;
  if (order < MIN_ORDER) return sign === '-' ? { ...NANO, numerator: -1n } : NANO;
  return exact(sign, { significant, fractionDigits: fraction.length }, suffix);
}

/** The exact value of digits whose order of magnitude is known to be reasonable; undefined beyond int64. */
function exact(sign: string, digits: { significant: string; fractionDigits: number }, suffix: string): Quantity | undefined {
  const magnitude = BigInt(digits.significant);
  const q = applySuffix(sign === '-' ? -magnitude : magnitude, 10n ** BigInt(digits.fractionDigits), suffix);
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
