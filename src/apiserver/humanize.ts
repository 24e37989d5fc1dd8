/**
 * Server-side printing of CRD printer-column cells: apimachinery's `duration.HumanDuration`
 * for `date` columns, and the CRD table convertor's conversion of a JSONPath result into a
 * cell of the column's type. Pure: the caller passes the current time.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Go's `int(d / unit)`: the number of whole units, truncated toward zero. */
const whole = (ms: number, unit: number): number => Math.trunc(ms / unit);

/** "<a><unit1>" or "<a><unit1><b><unit2>" when the remainder b is not zero. */
const pair = (a: number, unit1: string, b: number, unit2: string): string => (b === 0 ? `${a}${unit1}` : `${a}${unit1}${b}${unit2}`);

function minutesAndHours(ms: number): string {
  const minutes = whole(ms, MINUTE);
  if (minutes < 10) return pair(minutes, 'm', whole(ms, SECOND) % 60, 's');
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = whole(ms, HOUR);
  if (hours < 8) return pair(hours, 'h', minutes % 60, 'm');
  return `${hours}h`;
}

function daysAndYears(hours: number): string {
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return pair(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) return pair(years, 'y', days % 365, 'd');
  return `${years}y`;
}

/**
 * A duration in milliseconds as `kubectl get` shows ages, exactly like apimachinery's
 * `duration.HumanDuration` (2-3 significant figures): below -1s "<invalid>", below 0 "0s",
 * then seconds, "NmMs", minutes, "NhMm", hours, "NdHh", days, "NyDd" and years. A non-finite
 * input is "<invalid>".
 */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '<invalid>';
  const seconds = whole(ms, SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const hours = whole(ms, HOUR);
  return hours < 48 ? minutesAndHours(ms) : daysAndYears(hours);
}

/** The printer-column types of `additionalPrinterColumns`. */
export type CellType = 'string' | 'integer' | 'number' | 'boolean' | 'date';

/** A cell of a server-side Table. */
export type Cell = string | number | boolean | null;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/;

/** Milliseconds since the epoch of a UTC calendar time (any year, unlike Date.UTC's 0-99 quirk). */
function utc(year: number, monthIndex: number, day: number, seconds = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  return date.getTime() + seconds * SECOND;
}

const daysIn = (year: number, month: number): number => new Date(utc(year, month, 0)).getUTCDate();

interface Stamp {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function stampOf(m: RegExpExecArray): Stamp {
  const n = (i: number): number => Number(m[i]);
  return { year: n(1), month: n(2), day: n(3), hour: n(4), minute: n(5), second: n(6) };
}

const inRange = (t: Stamp): boolean =>
  t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= daysIn(t.year, t.month) && t.hour < 24 && t.minute < 60 && t.second < 60;

/** The zone offset of a timestamp's `Z` or `±hh:mm`, in milliseconds east of UTC. */
function offsetOf(m: RegExpExecArray): number {
  if (m[8] === 'Z') return 0;
  return (m[9] === '-' ? -1 : 1) * (Number(m[10]) * HOUR + Number(m[11]) * MINUTE);
}

/** Milliseconds since the epoch of an RFC 3339 timestamp as Go's time.Parse(time.RFC3339) accepts it, else undefined. */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const t = stampOf(m);
  if (!inRange(t)) return undefined;
  const fraction = m[7] ? Number(`0${m[7]}`) * SECOND : 0;
  return utc(t.year, t.month - 1, t.day, t.hour * 3600 + t.minute * 60 + t.second) + fraction - offsetOf(m);
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function dateCell(value: unknown, now: number): Cell {
  if (typeof value !== 'string') return null;
  const t = parseRfc3339(value);
  return t === undefined ? null : humanDuration(now - t);
}

const CELLS: Record<CellType, (value: unknown, now: number) => Cell> = {
  integer: (v) => (typeof v === 'number' ? Math.trunc(v) : null),
  number: (v) => (typeof v === 'number' ? v : null),
  boolean: (v) => (typeof v === 'boolean' ? v : null),
  date: dateCell,
  string: textOf,
};

/**
 * The cell of a printer column from its JSONPath results: null when there is no value (or
 * the first value is null); otherwise only the first value counts. `integer` takes a number
 * and truncates it toward zero as the Go convertor's int64() does; `number` a number;
 * `boolean` a boolean; `date` an RFC 3339 string, shown as its age at `now` (null when it
 * does not parse); `string` turns the value into text (numbers and booleans via String,
 * objects and arrays as compact JSON). A value of another type is null.
 */
export function tableCell(type: CellType, values: unknown[], now: number): Cell {
  const value = values[0];
  if (value === undefined || value === null) return null;
  return CELLS[type](value, now);
}
