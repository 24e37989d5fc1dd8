/**
 * The Helm/Sprig functions the charts here use, with Helm's results, and refusals where Helm's
 * own result would be a silent surprise: numbers that Go would print in exponent form (Helm's
 * values are float64, so 1000000 prints as 1e+06), `%d` on such numbers, `eq` on numbers (Go
 * refuses int against float64), and quoting, printing or `toYaml` of a missing value. A function
 * that is not in FUNCTIONS is an error, so an unknown idiom can never render as something else.
 */
import { stringify } from 'yaml';
import { TemplateError } from './template-syntax.js';

/** A template function: evaluated arguments in, a value out; `where` names the template and line. */
export type TemplateFunction = (args: unknown[], where: string) => unknown;

/** Go template truth: false, 0, nil, and empty strings, lists and maps are false. */
export function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A number as Go prints a float64 with %v, for the range where that is plain digits. */
function formatNumber(n: number, where: string): string {
  if (!Number.isInteger(n) || Math.abs(n) >= 1e6) throw new TemplateError(where, `${n} would print as Go prints a float64 (e.g. 1e+06): quote it in values.yaml or use toYaml`);
  return String(n);
}

/** A value as `{{ value }}` prints it; anything but a string, number or bool is refused. */
export function formatValue(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value, where);
  if (typeof value === 'boolean') return String(value);
  if (value === undefined || value === null) throw new TemplateError(where, 'printing a missing value (Helm would print nothing): give it a default or guard it with if/with');
  throw new TemplateError(where, `printing a ${Array.isArray(value) ? 'list' : 'map'} directly: use toYaml`);
}

/** Go's %q of a string; control characters other than \n, \t and \r are refused (Go and JSON escape them differently). */
export function goQuote(text: string, where: string): string {
  const control = [...text].some((c) => {
    const code = c.charCodeAt(0);
    return (code < 0x20 && !'\n\t\r'.includes(c)) || code === 0x7f;
  });
  if (control) throw new TemplateError(where, 'quote of a string with control characters is not supported');
  return JSON.stringify(text);
}

/** Helm's toYaml: keys sorted, block style, lists not indented under their key, no final newline. */
export function toYaml(value: unknown, where: string): string {
  if (value === undefined) throw new TemplateError(where, 'toYaml of a missing value');
  return stringify(value, { sortMapEntries: true, indentSeq: false, lineWidth: 0 }).replace(/\n$/, '');
}

function str(value: unknown, what: string, where: string): string {
  if (typeof value !== 'string') throw new TemplateError(where, `${what} must be a string, got ${value === undefined ? 'a missing value' : JSON.stringify(value)}`);
  return value;
}

function int(value: unknown, what: string, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TemplateError(where, `${what} must be an integer`);
  return value;
}

function arity(args: unknown[], counts: number[], name: string, where: string): void {
  if (!counts.includes(args.length)) throw new TemplateError(where, `${name} takes ${counts.join(' or ')} arguments, got ${args.length}`);
}

/** Sprig's indent: every line, empty ones included, gets `n` spaces. */
function indent(args: unknown[], where: string): string {
  arity(args, [2], 'indent', where);
  const pad = ' '.repeat(int(args[0], 'indent width', where));
  return pad + str(args[1], 'indent text', where).replaceAll('\n', `\n${pad}`);
}

/** Go's printf for %s (strings), %v (as printed), %q (quoted) and %%. */
function printf(args: unknown[], where: string): string {
  const format = str(args[0], 'printf format', where);
  let next = 1;
  const out = format.replace(/%(.)/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    if (next >= args.length) throw new TemplateError(where, `printf: missing argument for %${verb}`);
    const value = args[next++];
    if (verb === 's') return str(value, 'printf %s argument', where);
    if (verb === 'v') return formatValue(value, where);
    if (verb === 'q') return goQuote(formatValue(value, where), where);
    throw new TemplateError(where, `printf verb %${verb} is not supported (use %s, %v or %q)`);
  });
  if (next !== args.length) throw new TemplateError(where, `printf: ${args.length - next} arguments too many`);
  return out;
}

/** Go's eq/ne on strings, bools and nil (numbers are refused: Helm's are float64 and Go will not compare them with int literals). */
function comparable(value: unknown, where: string): unknown {
  if (typeof value === 'number') throw new TemplateError(where, 'eq/ne on numbers is not supported (Helm values are float64; compare strings or bools)');
  if (typeof value === 'object' && value !== null) throw new TemplateError(where, 'eq/ne on lists or maps is not supported');
  return value ?? null;
}

function eq(args: unknown[], where: string): boolean {
  if (args.length < 2) throw new TemplateError(where, 'eq takes at least 2 arguments');
  const first = comparable(args[0], where);
  return args.slice(1).some((other) => comparable(other, where) === first);
}

function dict(args: unknown[], where: string): Record<string, unknown> {
  if (args.length % 2 !== 0) throw new TemplateError(where, 'dict takes key/value pairs');
  const out: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i += 2) out[str(args[i], 'dict key', where)] = args[i + 1];
  return out;
}

/** The functions, by name; `include`, `and` and `or` are handled by the executor. */
export const FUNCTIONS: Record<string, TemplateFunction> = {
  default: (args, where) => {
    arity(args, [1, 2], 'default', where);
    return args.length === 2 && truthy(args[1]) ? args[1] : args[0];
  },
  empty: (args, where) => (arity(args, [1], 'empty', where), !truthy(args[0])),
  not: (args, where) => (arity(args, [1], 'not', where), !truthy(args[0])),
  eq: (args, where) => eq(args, where),
  ne: (args, where) => (arity(args, [2], 'ne', where), !eq(args, where)),
  quote: (args, where) => {
    if (args.length === 0) throw new TemplateError(where, 'quote takes at least 1 argument');
    return args.map((a) => goQuote(formatValue(a, where), where)).join(' ');
  },
  toYaml: (args, where) => (arity(args, [1], 'toYaml', where), toYaml(args[0], where)),
  indent,
  nindent: (args, where) => `\n${indent(args, where)}`,
  trunc: (args, where) => {
    arity(args, [2], 'trunc', where);
    const length = int(args[0], 'trunc length', where);
    if (length < 0) throw new TemplateError(where, 'trunc from the end (a negative length) is not supported');
    return str(args[1], 'trunc text', where).slice(0, length);
  },
  trimSuffix: (args, where) => {
    arity(args, [2], 'trimSuffix', where);
    const [suffix, text] = [str(args[0], 'suffix', where), str(args[1], 'text', where)];
    return suffix !== '' && text.endsWith(suffix) ? text.slice(0, -suffix.length) : text;
  },
  trimPrefix: (args, where) => {
    arity(args, [2], 'trimPrefix', where);
    const [prefix, text] = [str(args[0], 'prefix', where), str(args[1], 'text', where)];
    return text.startsWith(prefix) ? text.slice(prefix.length) : text;
  },
  hasPrefix: (args, where) => (arity(args, [2], 'hasPrefix', where), str(args[1], 'text', where).startsWith(str(args[0], 'prefix', where))),
  contains: (args, where) => (arity(args, [2], 'contains', where), str(args[1], 'text', where).includes(str(args[0], 'substring', where))),
  printf,
  b64enc: (args, where) => (arity(args, [1], 'b64enc', where), Buffer.from(str(args[0], 'b64enc text', where), 'utf8').toString('base64')),
  required: (args, where) => {
    arity(args, [2], 'required', where);
    if (args[1] === undefined || args[1] === null || args[1] === '') throw new TemplateError(where, str(args[0], 'required message', where));
    return args[1];
  },
  fail: (args, where) => {
    throw new TemplateError(where, `fail: ${str(args[0], 'fail message', where)}`);
  },
  dict,
  list: (args) => [...args],
  hasKey: (args, where) => {
    arity(args, [2], 'hasKey', where);
    if (!isMap(args[0])) throw new TemplateError(where, 'hasKey needs a map');
    return Object.hasOwn(args[0], str(args[1], 'key', where));
  },
};
