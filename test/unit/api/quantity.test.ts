/**
 * Kubernetes quantities: the `resource.Quantity` grammar (suffixes, exponents, decimals, sign,
 * int64 range) is parsed exactly, and Value()/MilliValue() round up away from zero like the
 * API machinery, so "0.1m" of CPU is 1 millicore and never 0.
 */
import { expect } from 'chai';
import { compareQuantities, isNegative, milliValue, parseQuantity, value, type Quantity } from '../../../src/api/quantity.js';

/** The quantity, or a failed test when the text does not parse. */
function q(input: string | number): Quantity {
  const parsed = parseQuantity(input);
  if (!parsed) throw new Error(`${JSON.stringify(input)} should parse`);
  return parsed;
}

describe('quantity', function () {
  describe('parseQuantity accepts the Kubernetes grammar', function () {
    const cases: Array<{ name: string; given: string | number; wantValue: bigint; wantMilli: bigint }> = [
      { name: 'a plain integer', given: '2', wantValue: 2n, wantMilli: 2000n },
      { name: 'zero', given: '0', wantValue: 0n, wantMilli: 0n },
      { name: 'a decimal', given: '1.5', wantValue: 2n, wantMilli: 1500n },
      { name: 'a decimal without integer part', given: '.5', wantValue: 1n, wantMilli: 500n },
      { name: 'a decimal with a trailing dot', given: '1.', wantValue: 1n, wantMilli: 1000n },
      { name: 'an explicit plus sign', given: '+3', wantValue: 3n, wantMilli: 3000n },
      { name: 'millis', given: '100m', wantValue: 1n, wantMilli: 100n },
      { name: 'nanos', given: '1n', wantValue: 1n, wantMilli: 1n },
      { name: 'micros', given: '1500u', wantValue: 1n, wantMilli: 2n },
      { name: 'kilo (lowercase k)', given: '2k', wantValue: 2000n, wantMilli: 2_000_000n },
      { name: 'mega', given: '1M', wantValue: 1_000_000n, wantMilli: 1_000_000_000n },
      { name: 'giga', given: '1G', wantValue: 1_000_000_000n, wantMilli: 1_000_000_000_000n },
      { name: 'tera', given: '1T', wantValue: 10n ** 12n, wantMilli: 10n ** 15n },
      { name: 'peta', given: '1P', wantValue: 10n ** 15n, wantMilli: 10n ** 18n },
      { name: 'exa', given: '1E', wantValue: 10n ** 18n, wantMilli: 10n ** 21n },
      { name: 'kibi', given: '1Ki', wantValue: 1024n, wantMilli: 1_024_000n },
      { name: 'mebi', given: '128Mi', wantValue: 134_217_728n, wantMilli: 134_217_728_000n },
      { name: 'gibi', given: '1Gi', wantValue: 1_073_741_824n, wantMilli: 1_073_741_824_000n },
      { name: 'a fractional gibi', given: '1.5Gi', wantValue: 1_610_612_736n, wantMilli: 1_610_612_736_000n },
      { name: 'tebi', given: '1Ti', wantValue: 1n << 40n, wantMilli: (1n << 40n) * 1000n },
      { name: 'a positive exponent', given: '1e3', wantValue: 1000n, wantMilli: 1_000_000n },
      { name: 'an uppercase exponent', given: '1E3', wantValue: 1000n, wantMilli: 1_000_000n },
      { name: 'an explicitly positive exponent', given: '2e+2', wantValue: 200n, wantMilli: 200_000n },
      { name: 'a negative exponent', given: '1e-3', wantValue: 1n, wantMilli: 1n },
      { name: 'a decimal with an exponent', given: '1.5e3', wantValue: 1500n, wantMilli: 1_500_000n },
      { name: 'surrounding whitespace, trimmed', given: ' 250m ', wantValue: 1n, wantMilli: 250n },
      { name: 'the largest int64', given: '9223372036854775807', wantValue: 9_223_372_036_854_775_807n, wantMilli: 9_223_372_036_854_775_807_000n },
      { name: 'the largest whole number of Ei below int64', given: '7Ei', wantValue: 7n << 60n, wantMilli: (7n << 60n) * 1000n },
      { name: 'a JavaScript integer', given: 2, wantValue: 2n, wantMilli: 2000n },
      { name: 'a JavaScript fraction', given: 0.25, wantValue: 1n, wantMilli: 250n },
      { name: 'a JavaScript number printed with an exponent', given: 1e-7, wantValue: 1n, wantMilli: 1n },
    ];
    for (const { name, given, wantValue, wantMilli } of cases) {
      it(`${name}: ${JSON.stringify(given)} is ${wantValue} units, ${wantMilli} millis`, function () {
        const parsed = q(given);
        expect(value(parsed)).to.equal(wantValue);
        expect(milliValue(parsed)).to.equal(wantMilli);
      });
    }
  });

  describe('parseQuantity refuses what the API server refuses', function () {
    const cases: Array<{ name: string; given: string | number }> = [
      { name: 'the empty string', given: '' },
      { name: 'only whitespace', given: '   ' },
      { name: 'letters', given: 'abc' },
      { name: 'two decimal points', given: '1.2.3' },
      { name: 'a space before the suffix', given: '10 Mi' },
      { name: 'a suffix without a number', given: 'Mi' },
      { name: 'a lone dot', given: '.' },
      { name: 'an uppercase K (only k is kilo)', given: '1K' },
      { name: 'a lowercase binary suffix', given: '1ki' },
      { name: 'two suffixes', given: '1MiB' },
      { name: 'an exponent without digits', given: '1e' },
      { name: 'a fractional exponent', given: '1e1.5' },
      { name: 'a double sign', given: '--1' },
      { name: 'a number one above int64', given: '9223372036854775808' },
      { name: '8Ei, one above int64', given: '8Ei' },
      { name: 'an exponent beyond int64', given: '1e19' },
      { name: 'a negative number beyond int64', given: '-9223372036854775809' },
      { name: 'a JavaScript number beyond int64', given: 1e21 },
      { name: 'NaN', given: Number.NaN },
      { name: 'Infinity', given: Number.POSITIVE_INFINITY },
      { name: 'an exponent whose power of ten exceeds the largest bigint', given: '1e999999999' },
      { name: 'an exponent beyond any number', given: `1e${'9'.repeat(400)}` },
      { name: 'a decimal exponent far beyond int64', given: '1e400' },
      { name: 'many digits before the point', given: '1'.repeat(40) },
    ];
    for (const { name, given } of cases) {
      it(`${name}: ${JSON.stringify(given) ?? String(given)}`, function () {
        expect(parseQuantity(given)).to.equal(undefined);
      });
    }
  });

  describe('the exact value is kept as a rational', function () {
    const cases: Array<{ given: string; want: Quantity }> = [
      { given: '1.5', want: { numerator: 15n, denominator: 10n } },
      { given: '100m', want: { numerator: 100n, denominator: 1000n } },
      { given: '0.1m', want: { numerator: 1n, denominator: 10_000n } },
      { given: '2Ki', want: { numerator: 2048n, denominator: 1n } },
      { given: '-2.5k', want: { numerator: -25_000n, denominator: 10n } },
    ];
    for (const { given, want } of cases) {
      it(`${given} is ${want.numerator}/${want.denominator}`, function () {
        expect(parseQuantity(given)).to.deep.equal(want);
      });
    }
  });

  describe('milliValue rounds up away from zero', function () {
    const cases: Array<{ given: string; want: bigint }> = [
      { given: '0.1m', want: 1n },
      { given: '1.5', want: 1500n },
      { given: '100m', want: 100n },
      { given: '0.0001', want: 1n },
      { given: '1.0001m', want: 2n },
      { given: '1Ki', want: 1_024_000n },
      { given: '-100m', want: -100n },
      { given: '-0.1m', want: -1n },
    ];
    for (const { given, want } of cases) {
      it(`${given} -> ${want}`, function () {
        expect(milliValue(q(given))).to.equal(want);
      });
    }
  });

  describe('value rounds up away from zero', function () {
    const cases: Array<{ given: string; want: bigint }> = [
      { given: '1', want: 1n },
      { given: '1.5', want: 2n },
      { given: '1.0000001', want: 2n },
      { given: '100m', want: 1n },
      { given: '1n', want: 1n },
      { given: '0', want: 0n },
      { given: '2000m', want: 2n },
      { given: '-1.5', want: -2n },
      { given: '-100m', want: -1n },
      { given: '-2', want: -2n },
    ];
    for (const { given, want } of cases) {
      it(`${given} -> ${want}`, function () {
        expect(value(q(given))).to.equal(want);
      });
    }
  });

  describe('compareQuantities orders by exact value across notations', function () {
    const cases: Array<{ a: string; b: string; want: number }> = [
      { a: '1', b: '1000m', want: 0 },
      { a: '1Ki', b: '1024', want: 0 },
      { a: '1k', b: '1e3', want: 0 },
      { a: '0.5', b: '500m', want: 0 },
      { a: '1Ki', b: '1k', want: 1 },
      { a: '1k', b: '1Ki', want: -1 },
      { a: '100m', b: '0.1001', want: -1 },
      { a: '1Gi', b: '1G', want: 1 },
      { a: '-1', b: '0', want: -1 },
      { a: '0.1m', b: '0', want: 1 },
    ];
    for (const { a, b, want } of cases) {
      it(`compare(${a}, ${b}) is ${want}`, function () {
        expect(compareQuantities(q(a), q(b))).to.equal(want);
      });
    }
  });

  describe('isNegative', function () {
    const cases: Array<{ given: string; want: boolean }> = [
      { given: '-1', want: true },
      { given: '-0.1m', want: true },
      { given: '0', want: false },
      { given: '-0', want: false },
      { given: '+1', want: false },
    ];
    for (const { given, want } of cases) {
      it(`${given} -> ${want}`, function () {
        expect(isNegative(q(given))).to.equal(want);
      });
    }
  });

  describe('absurd exponents are decided without computing their power of ten', function () {
    const cases: Array<{ name: string; given: string; wantValue: bigint; wantMilli: bigint }> = [
      { name: 'zero with a huge exponent', given: '0e999999999', wantValue: 0n, wantMilli: 0n },
      { name: 'a huge negative exponent, rounded up to 1n', given: '1e-999999999', wantValue: 1n, wantMilli: 1n },
      { name: 'a negative value with a huge negative exponent', given: '-5e-999999999', wantValue: -1n, wantMilli: -1n },
      { name: 'the smallest exact order, just above the shortcut', given: '1e-30', wantValue: 1n, wantMilli: 1n },
      { name: 'a long fraction below a nano', given: `0.${'0'.repeat(40)}1Ei`, wantValue: 1n, wantMilli: 1n },
    ];
    for (const { name, given, wantValue, wantMilli } of cases) {
      it(`${name}: ${given.length > 30 ? `${given.slice(0, 30)}...` : given}`, function () {
        const started = Date.now();
        const parsed = q(given);
        expect(Date.now() - started).to.be.below(100);
        expect(value(parsed)).to.equal(wantValue);
        expect(milliValue(parsed)).to.equal(wantMilli);
      });
    }

    it('a sub-nano quantity compares as 1n, as the API machinery rounds it', function () {
      expect(compareQuantities(q('1e-999999999'), q('1n'))).to.equal(0);
      expect(compareQuantities(q('1e-999999999'), q('0'))).to.equal(1);
    });
  });
});
