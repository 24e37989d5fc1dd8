/**
 * The JSONPath of CRD `additionalPrinterColumns`, evaluated on a JSON value the way client-go's
 * jsonpath does for the CRD table convertor (missing keys allowed): fields, escaped dots,
 * bracket keys, indexes, slices, `*`, `..`, unions and `[?()]` filters. Pure.
 */

/** A JSONPath expression the parser refuses; the message says why (client-go's wording). */
export class JsonPathError extends Error {
  override name = 'JsonPathError';
}

/** A compiled JSONPath expression (compile once, evaluate many times). */
export interface JsonPath {
  readonly source: string;
}

type CompareOp = '==' | '!=' | '<' | '>' | '<=' | '>=';

type Operand = { kind: 'path'; steps: Step[] } | { kind: 'literal'; value: string | number | boolean };

interface Slice {
  kind: 'slice';
  start?: number;
  end?: number;
  /** The end was not written (`[i]`): it is start + 1. */
  derived: boolean;
  step?: number;
}

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'recursive' }
  | Slice
  | { kind: 'union'; branches: Step[][] }
  | { kind: 'filter'; left: Operand; op: CompareOp | 'exists'; right?: Operand };

class CompiledJsonPath implements JsonPath {
  constructor(
    readonly source: string,
    readonly steps: readonly Step[],
  ) {}
}

const COMPARE_OPS = new Set<string>(['==', '!=', '<', '>', '<=', '>=']);
const isAlphaNumeric = (ch: string): boolean => /^[\p{L}\p{Nd}_]$/u.test(ch);
const isSpace = (ch: string): boolean => ch === ' ' || ch === '\t';
/** Characters that end a field name (client-go's isTerminator). */
const isTerminator = (ch: string): boolean => ch === '' || isSpace(ch) || '\r\n.,[]$@{}'.includes(ch);

/** Go's %#U of a character: U+0023 '#'. */
function describe(ch: string): string {
  const code = (ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  return `U+${code} '${ch}'`;
}

/** The text of a quoted string (either quote), with backslash escapes applied. */
function unquote(quoted: string): string {
  const body = quoted.slice(1, -1);
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r' };
  return body.replace(/\\(.)/gsu, (_, ch: string) => simple[ch] ?? ch);
}

/** The index just past the quoted string that starts at `start`, or -1 when it is not closed. */
function endOfQuote(text: string, start: number): number {
  const quote = text.charAt(start);
  for (let i = start + 1; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch === '\\') i++;
    else if (ch === quote) return i + 1;
    else if (ch === '\n') return -1;
  }
  return -1;
}

/** The index of the first `target` from `from` that is not inside quotes; -1 when a line or the text ends first. */
function findOutsideQuotes(text: string, from: number, target: string): number {
  for (let i = from; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch === target) return i;
    if (ch === '\n') return -1;
    if (ch === '"' || ch === "'") {
      const end = endOfQuote(text, i);
      if (end < 0) return -1;
      i = end - 1;
    }
  }
  return -1;
}

/** Splits at top-level commas (not inside quotes). */
function splitUnion(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    if (ch === '"' || ch === "'") {
      const end = endOfQuote(text, i);
      i = end < 0 ? text.length : end - 1;
    } else if (ch === ',') {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

const SLICE = /^(-?\d*)(:-?\d*)?(:-?\d*)?$/;

function sliceNumber(text: string): number | undefined {
  if (text === '') return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new JsonPathError(`array index ${text} is not a number`);
  return n;
}

/** `[i]`, `[i:j]`, `[i:j:k]` with client-go's defaults (a lone index selects one element). */
function parseSlice(text: string): Slice {
  const m = SLICE.exec(text);
  if (!m) throw new JsonPathError(`invalid array index ${text}`);
  const start = sliceNumber(m[1] ?? '');
  const step = sliceNumber((m[3] ?? ':').slice(1));
  if (m[2] === undefined) return { kind: 'slice', start, end: (start ?? 0) + 1, derived: true, step };
  return { kind: 'slice', start, end: sliceNumber(m[2].slice(1)), derived: false, step };
}

function parseBracketItem(raw: string): Step {
  const item = raw.trim();
  const quoted = item.startsWith("'") || item.startsWith('"');
  if (quoted && endOfQuote(item, 0) === item.length) return { kind: 'field', name: unquote(item) };
  if (item === '*') return { kind: 'slice', derived: false };
  if (item === '') throw new JsonPathError(`invalid array index ${raw}`);
  return parseSlice(item);
}

/** The contents of `[...]`: a key, an index or slice, `*`, or a union of them. */
function parseBracket(text: string): Step {
  const parts = splitUnion(text);
  if (parts.length === 1) return parseBracketItem(text);
  return { kind: 'union', branches: parts.map((p) => [parseBracketItem(p)]) };
}

const NUMBER = /^[+-]?[\d.]+$/;
const VALID_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;

/** One side of a filter: a quoted string, a number, true/false, or a path from the element. */
function parseOperand(raw: string): Operand {
  const text = raw.trim();
  if (text.startsWith('"') || text.startsWith("'")) {
    if (endOfQuote(text, 0) !== text.length) throw new JsonPathError(`unterminated quoted string ${text}`);
    return { kind: 'literal', value: unquote(text) };
  }
  if (NUMBER.test(text)) {
    if (!VALID_NUMBER.test(text)) throw new JsonPathError(`cannot parse number ${text}`);
    return { kind: 'literal', value: Number(text) };
  }
  if (text === 'true' || text === 'false') return { kind: 'literal', value: text === 'true' };
  return { kind: 'path', steps: parseSteps(text) };
}

const FILTER = /^([^!<>=]+)([!<>=]+)(.+?)$/;

function parseFilter(text: string): Step {
  const m = FILTER.exec(text);
  if (!m) {
    if (text.trim() === '') throw new JsonPathError('empty filter');
    return { kind: 'filter', left: parseOperand(text), op: 'exists' };
  }
  const op = m[2] ?? '';
  if (!COMPARE_OPS.has(op)) throw new JsonPathError(`unrecognized filter operator ${op}`);
  return { kind: 'filter', left: parseOperand(m[1] ?? ''), op: op as CompareOp, right: parseOperand(m[3] ?? '') };
}

/** A scanner over the text of one path. */
class Scanner {
  pos = 0;
  readonly steps: Step[] = [];

  constructor(readonly text: string) {}

  get ch(): string {
    return this.text.charAt(this.pos);
  }

  /** A field name up to the next unescaped terminator, escapes removed. */
  fieldName(): string {
    let name = '';
    while (!isTerminator(this.ch)) {
      if (this.ch === '\\') this.pos++;
      name += this.ch;
      this.pos++;
    }
    return name;
  }

  field(): void {
    this.pos++;
    const name = this.fieldName();
    if (name === '*') this.steps.push({ kind: 'wildcard' });
    else if (name !== '') this.steps.push({ kind: 'field', name });
  }

  recursive(): void {
    if (this.steps.at(-1)?.kind === 'recursive') throw new JsonPathError('invalid multiple recursive descent');
    this.pos += 2;
    this.steps.push({ kind: 'recursive' });
    if (isAlphaNumeric(this.ch)) {
      this.pos--;
      this.field();
    }
  }

  bracket(): void {
    const close = findOutsideQuotes(this.text, this.pos + 1, ']');
    if (close < 0) throw new JsonPathError('unterminated array');
    this.steps.push(parseBracket(this.text.slice(this.pos + 1, close)));
    this.pos = close + 1;
  }

  /** `[?( ... )]`: the first `)` outside quotes ends the filter. */
  filter(): void {
    const start = this.pos + 3;
    const close = findOutsideQuotes(this.text, start, ')');
    if (close < 0) throw new JsonPathError('unterminated filter');
    if (this.text.charAt(close + 1) !== ']') throw new JsonPathError('unclosed array expect ]');
    this.steps.push(parseFilter(this.text.slice(start, close)));
    this.pos = close + 2;
  }

  identifier(): never {
    const start = this.pos;
    while (!isTerminator(this.ch)) this.pos++;
    throw new JsonPathError(`unrecognized identifier ${this.text.slice(start, this.pos)}`);
  }

  /** Scans one step (or skips a space); false at the end. */
  step(): boolean {
    const ch = this.ch;
    if (ch === '') return false;
    if (isSpace(ch)) this.pos++;
    else if (this.text.startsWith('..', this.pos)) this.recursive();
    else if (ch === '.') this.field();
    else if (this.text.startsWith('[?(', this.pos)) this.filter();
    else if (ch === '[') this.bracket();
    else if (isAlphaNumeric(ch)) this.identifier();
    else throw new JsonPathError(`unrecognized character in action: ${describe(ch)}`);
    return true;
  }
}

/** The steps of a path, optionally starting at `$` (the root) or `@` (the current element). */
function parseSteps(text: string): Step[] {
  const scanner = new Scanner(text);
  while (isSpace(scanner.ch)) scanner.pos++;
  if (scanner.ch === '$' || scanner.ch === '@') scanner.pos++;
  while (scanner.step());
  return scanner.steps;
}

/**
 * Compiles a printer-column JSONPath: `.a.b`, `{.a.b}`, `$.a`, `.a\.b` (escaped dot),
 * `['k']` / `["k"]` (any key, dots included), `[0]`, `[-1]`, `[1:3]`, `[*]`, `.*`, `..a`,
 * unions `[0,2]`, and filters `[?(@.k=="v")]` with == != < > <= >= against strings, numbers,
 * booleans or other paths, or `[?(@.k)]` for existence.
 * @throws JsonPathError when the expression is not valid.
 */
export function compileJsonPath(expr: string): JsonPath {
  let body = expr.trim();
  if (body.startsWith('{')) {
    if (!body.endsWith('}')) throw new JsonPathError('unclosed action');
    body = body.slice(1, -1);
  }
  if (body.trim() === '') throw new JsonPathError('empty JSONPath expression');
  return new CompiledJsonPath(expr, parseSteps(body));
}

/** Evaluation stops with no results, as client-go's errors make the table cell empty. */
class NoResults extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The members of an array, or an object's values by sorted key (Go's map order); undefined otherwise. */
function membersOf(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v as unknown[];
  if (isObject(v)) return Object.keys(v).sort().map((k) => v[k]);
  return undefined;
}

/** A slice bound from the end when negative, as client-go resolves it. */
const fromEnd = (n: number, length: number): number => (n < 0 ? n + length : n);

/** The end of a slice; a derived end of 0 (from `[-1]`) is the array's end. */
const endOf = (step: Slice, length: number): number => (step.end === 0 && step.derived ? length : fromEnd(step.end ?? length, length));

function sliceBounds(step: Slice, length: number): [number, number] {
  const start = fromEnd(step.start ?? 0, length);
  const end = endOf(step, length);
  if (end === start) return [0, 0];
  const inRange = start >= 0 && start < length && end >= 0 && end <= length;
  if (!inRange || start > end) throw new NoResults();
  return [start, end];
}

function applySlice(step: Slice, v: unknown): unknown[] {
  if (!Array.isArray(v)) throw new NoResults();
  if (step.step !== undefined && step.step <= 0) throw new NoResults();
  const [start, end] = sliceBounds(step, v.length);
  return v.slice(start, end).filter((_, i) => i % (step.step ?? 1) === 0);
}

function recursive(values: unknown[]): unknown[] {
  return values.flatMap((v) => {
    const members = membersOf(v);
    return members && members.length > 0 ? [v, ...recursive(members)] : [];
  });
}

type Kind = 'number' | 'string' | 'boolean' | 'other';
function kindOf(v: unknown): Kind {
  const type = typeof v;
  return type === 'number' || type === 'string' || type === 'boolean' ? type : 'other';
}

/** Go template comparison as client-go's filter uses it: values of different kinds never compare (only != holds). */
function compare(op: CompareOp, left: unknown, right: unknown): boolean {
  const kind = kindOf(left);
  const comparable = kind !== 'other' && kind === kindOf(right);
  if (op === '==' || op === '!=') return (comparable && left === right) === (op === '==');
  if (!comparable || kind === 'boolean') return false;
  const [l, r] = [left as number | string, right as number | string];
  const results: Record<string, boolean> = { '<': l < r, '>': l > r, '<=': l <= r, '>=': l >= r };
  return results[op] ?? false;
}

function operandValues(operand: Operand, element: unknown): unknown[] {
  return operand.kind === 'literal' ? [operand.value] : applySteps(operand.steps, [element]);
}

function passes(step: Extract<Step, { kind: 'filter' }>, element: unknown): boolean {
  let lefts: unknown[];
  try {
    lefts = operandValues(step.left, element);
  } catch {
    lefts = [];
  }
  if (lefts.length === 0) return false;
  if (lefts.length > 1) throw new NoResults();
  if (step.op === 'exists' || !step.right) return true;
  const rights = operandValues(step.right, element);
  if (rights.length > 1) throw new NoResults();
  return rights.length === 1 && compare(step.op, lefts[0], rights[0]);
}

function applyFilter(step: Extract<Step, { kind: 'filter' }>, values: unknown[]): unknown[] {
  return values.flatMap((v) => (membersOf(v) ?? [v]).filter((element) => passes(step, element)));
}

function applyStep(step: Step, values: unknown[]): unknown[] {
  switch (step.kind) {
    case 'field':
      return values.flatMap((v) => (isObject(v) && Object.hasOwn(v, step.name) && v[step.name] !== undefined ? [v[step.name]] : []));
    case 'wildcard':
      return values.flatMap((v) => membersOf(v) ?? []);
    case 'recursive':
      return recursive(values);
    case 'slice':
      return values.flatMap((v) => (v === null || v === undefined ? [] : applySlice(step, v)));
    case 'union':
      return step.branches.flatMap((branch) => applySteps(branch, values));
    case 'filter':
      return applyFilter(step, values.filter((v) => v !== null && v !== undefined));
  }
}

function applySteps(steps: readonly Step[], values: unknown[]): unknown[] {
  return steps.reduce((current, step) => applyStep(step, current), values);
}

/**
 * Every value the path selects in `value`, in order (null values included); [] when nothing
 * matches. Never throws on missing fields: where client-go's evaluation fails (an index out
 * of range, indexing a non-array, a filter comparing several values), the result is [] as
 * the CRD table convertor then shows no value.
 */
export function evaluateJsonPath(path: JsonPath, value: unknown): unknown[] {
  const steps = path instanceof CompiledJsonPath ? path.steps : (compileJsonPath(path.source) as CompiledJsonPath).steps;
  try {
    return applySteps(steps, [value]);
  } catch (err) {
    if (err instanceof NoResults) return [];
    throw err;
  }
}
