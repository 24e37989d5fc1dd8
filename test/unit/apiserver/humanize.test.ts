/**
 * Printer-column cells: ages read exactly as apimachinery's duration.HumanDuration prints them
 * (every threshold and the "NmMs"/"NhMm"/"NdHh"/"NyDd" forms), RFC 3339 timestamps parse as
 * Go's time.Parse accepts them, and each column type turns the first JSONPath result into a
 * cell as the CRD table convertor does (null for no value or a value of the wrong type).
 */
import { expect } from 'chai';
import { humanDuration, parseRfc3339, tableCell, type Cell, type CellType } from '../../../src/apiserver/humanize.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

describe('humanize', function () {
  describe('humanDuration prints like duration.HumanDuration', function () {
    const cases: Array<{ name: string; given: number; want: string }> = [
      { name: 'more than a second in the future', given: -2 * S, want: '<invalid>' },
      { name: 'far in the future', given: -3 * D, want: '<invalid>' },
      { name: 'just under two seconds ahead (clock skew)', given: -1999, want: '0s' },
      { name: 'one second ahead', given: -S, want: '0s' },
      { name: 'a millisecond ahead', given: -1, want: '0s' },
      { name: 'now', given: 0, want: '0s' },
      { name: 'under a second', given: 999, want: '0s' },
      { name: 'one second', given: S, want: '1s' },
      { name: 'a minute in seconds', given: M, want: '60s' },
      { name: 'just under two minutes', given: 2 * M - 1, want: '119s' },
      { name: 'two minutes', given: 2 * M, want: '2m' },
      { name: 'minutes and seconds', given: 2 * M + S, want: '2m1s' },
      { name: 'just under ten minutes', given: 10 * M - 1, want: '9m59s' },
      { name: 'ten minutes', given: 10 * M, want: '10m' },
      { name: 'ten minutes and some seconds (seconds dropped)', given: 10 * M + 30 * S, want: '10m' },
      { name: 'just under three hours', given: 3 * H - 1, want: '179m' },
      { name: 'three hours', given: 3 * H, want: '3h' },
      { name: 'hours and minutes', given: 3 * H + 30 * M, want: '3h30m' },
      { name: 'just under eight hours', given: 8 * H - 1, want: '7h59m' },
      { name: 'eight hours', given: 8 * H, want: '8h' },
      { name: 'eight hours and minutes (minutes dropped)', given: 8 * H + 59 * M, want: '8h' },
      { name: 'just under two days', given: 48 * H - 1, want: '47h' },
      { name: 'two days', given: 2 * D, want: '2d' },
      { name: 'days and hours', given: 2 * D + 5 * H, want: '2d5h' },
      { name: 'just under eight days', given: 8 * D - 1, want: '7d23h' },
      { name: 'eight days', given: 8 * D, want: '8d' },
      { name: 'eight days and hours (hours dropped)', given: 8 * D + 23 * H, want: '8d' },
      { name: 'just under two years', given: 730 * D - 1, want: '729d' },
      { name: 'two years', given: 2 * Y, want: '2y' },
      { name: 'years and days', given: 2 * Y + D, want: '2y1d' },
      { name: 'just under eight years', given: 8 * Y - 1, want: '7y364d' },
      { name: 'eight years', given: 8 * Y, want: '8y' },
      { name: 'eight years and days (days dropped)', given: 8 * Y + 200 * D, want: '8y' },
      { name: 'decades', given: 25 * Y, want: '25y' },
      { name: 'not a number', given: Number.NaN, want: '<invalid>' },
      { name: 'infinity', given: Number.POSITIVE_INFINITY, want: '<invalid>' },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${given}ms is ${JSON.stringify(want)}`, function () {
        expect(humanDuration(given)).to.equal(want);
      });
    }
  });

  describe('parseRfc3339 accepts what time.Parse(time.RFC3339) accepts', function () {
    const cases: Array<{ name: string; given: string; want: number | undefined }> = [
      { name: 'UTC', given: '2024-01-10T00:00:00Z', want: Date.UTC(2024, 0, 10) },
      { name: 'a positive offset', given: '2024-01-10T01:30:00+01:30', want: Date.UTC(2024, 0, 10) },
      { name: 'a negative offset', given: '2024-01-09T19:00:00-05:00', want: Date.UTC(2024, 0, 10) },
      { name: 'fractional seconds', given: '2024-01-10T00:00:00.250Z', want: Date.UTC(2024, 0, 10) + 250 },
      { name: 'nanosecond fractions', given: '2024-01-10T00:00:00.123456789Z', want: Date.UTC(2024, 0, 10) + 123.456789 },
      { name: 'a leap day', given: '2024-02-29T12:00:00Z', want: Date.UTC(2024, 1, 29, 12) },
      { name: 'a year below 100', given: '0050-01-01T00:00:00Z', want: -60589296000000 },
      { name: 'no zone', given: '2024-01-10T00:00:00', want: undefined },
      { name: 'a lowercase t', given: '2024-01-10t00:00:00Z', want: undefined },
      { name: 'a space for T', given: '2024-01-10 00:00:00Z', want: undefined },
      { name: 'a date only', given: '2024-01-10', want: undefined },
      { name: 'February 30th', given: '2024-02-30T00:00:00Z', want: undefined },
      { name: 'February 29th of a common year', given: '2023-02-29T00:00:00Z', want: undefined },
      { name: 'month 13', given: '2024-13-01T00:00:00Z', want: undefined },
      { name: 'hour 24', given: '2024-01-10T24:00:00Z', want: undefined },
      { name: 'second 60', given: '2024-01-10T00:00:60Z', want: undefined },
      { name: 'a zone without colon', given: '2024-01-10T00:00:00+0100', want: undefined },
      { name: 'words', given: 'yesterday', want: undefined },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${JSON.stringify(given)}`, function () {
        const got = parseRfc3339(given);
        if (want === undefined) expect(got).to.equal(undefined);
        else expect(got).to.be.closeTo(want, 1e-6);
      });
    }
  });

  describe('tableCell converts the first JSONPath result for the column type', function () {
    const now = Date.UTC(2024, 0, 10);
    const cases: Array<{ name: string; given: { type: CellType; values: unknown[] }; want: Cell }> = [
      { name: 'no value', given: { type: 'string', values: [] }, want: null },
      { name: 'a null value', given: { type: 'string', values: [null] }, want: null },
      { name: 'a null integer', given: { type: 'integer', values: [null] }, want: null },
      { name: 'a string', given: { type: 'string', values: ['Running'] }, want: 'Running' },
      { name: 'only the first of several values', given: { type: 'string', values: ['a', 'b'] }, want: 'a' },
      { name: 'an empty string', given: { type: 'string', values: [''] }, want: '' },
      { name: 'a number as a string', given: { type: 'string', values: [3] }, want: '3' },
      { name: 'a fraction as a string', given: { type: 'string', values: [1.5] }, want: '1.5' },
      { name: 'a boolean as a string', given: { type: 'string', values: [true] }, want: 'true' },
      { name: 'an object as a string', given: { type: 'string', values: [{ a: 1, b: ['x'] }] }, want: '{"a":1,"b":["x"]}' },
      { name: 'an array as a string', given: { type: 'string', values: [[1, 'two']] }, want: '[1,"two"]' },
      { name: 'an integer', given: { type: 'integer', values: [3] }, want: 3 },
      { name: 'a negative integer', given: { type: 'integer', values: [-7] }, want: -7 },
      { name: 'a fraction in an integer column (truncated like int64())', given: { type: 'integer', values: [2.9] }, want: 2 },
      { name: 'a string in an integer column', given: { type: 'integer', values: ['3'] }, want: null },
      { name: 'a number', given: { type: 'number', values: [1.5] }, want: 1.5 },
      { name: 'an integer in a number column', given: { type: 'number', values: [2] }, want: 2 },
      { name: 'a boolean in a number column', given: { type: 'number', values: [true] }, want: null },
      { name: 'true', given: { type: 'boolean', values: [true] }, want: true },
      { name: 'false', given: { type: 'boolean', values: [false] }, want: false },
      { name: 'a string in a boolean column', given: { type: 'boolean', values: ['true'] }, want: null },
      { name: 'a date a minute ago', given: { type: 'date', values: ['2024-01-09T23:59:00Z'] }, want: '60s' },
      { name: 'a date three days ago', given: { type: 'date', values: ['2024-01-07T00:00:00Z'] }, want: '3d' },
      { name: 'a date with an offset', given: { type: 'date', values: ['2024-01-09T16:00:00-05:00'] }, want: '3h' },
      { name: 'a date now', given: { type: 'date', values: ['2024-01-10T00:00:00Z'] }, want: '0s' },
      { name: 'a date in the future', given: { type: 'date', values: ['2024-01-10T00:01:00Z'] }, want: '<invalid>' },
      { name: 'an unparsable date', given: { type: 'date', values: ['yesterday'] }, want: null },
      { name: 'an empty date', given: { type: 'date', values: [''] }, want: null },
      { name: 'a number in a date column', given: { type: 'date', values: [1704844800] }, want: null },
    ];
    for (const { name, given, want } of cases) {
      it(`${name}: ${given.type} ${JSON.stringify(given.values)} is ${JSON.stringify(want)}`, function () {
        expect(tableCell(given.type, given.values, now)).to.equal(want);
      });
    }
  });
});
