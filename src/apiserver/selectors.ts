/**
 * Label and field selectors as the API server parses them from `?labelSelector=` and
 * `?fieldSelector=`: apimachinery's labels.Parse (set-based grammar, qualified-name keys,
 * label values, its error messages) and fields.ParseSelector (`=`, `==`, `!=`, backslash
 * escapes in values). Pure.
 */
import { isLabelValue, isQualifiedName } from '../api/names.js';

/** The operator of a label requirement (`=` and `==` are both Equals; `>` and `<` compare integers). */
export type LabelOperator = 'Equals' | 'NotEquals' | 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'GreaterThan' | 'LessThan';

/** One requirement of a label selector; values are sorted and distinct, as apimachinery keeps them. */
export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** A selector the API server refuses; the message is what it puts in its 400 BadRequest. */
export class SelectorError extends Error {
  override name = 'SelectorError';
}

type Token = 'end' | 'identifier' | ')' | ',' | '!' | '==' | '=' | '>' | '<' | '!=' | '(' | 'in' | 'notin';

interface Item {
  token: Token;
  literal: string;
}

const SYMBOLS = new Set<string>([')', ',', '!', '==', '=', '>', '<', '!=', '(']);
const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecial = (ch: string): boolean => '=!(),><'.includes(ch);

/** The longest operator at `pos` (every special character is one on its own). */
function scanSymbol(text: string, pos: number): Item {
  let end = pos + 1;
  while (end < text.length && isSpecial(text.charAt(end)) && SYMBOLS.has(text.slice(pos, end + 1))) end++;
  const literal = text.slice(pos, end);
  return { token: literal as Token, literal };
}

function scanWord(text: string, pos: number): Item {
  let end = pos;
  while (end < text.length && !isSpecial(text.charAt(end)) && !isWhitespace(text.charAt(end))) end++;
  const literal = text.slice(pos, end);
  return { token: literal === 'in' || literal === 'notin' ? literal : 'identifier', literal };
}

/** The tokens of a label selector, ending with 'end' (apimachinery's Lexer). */
function lex(text: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  for (;;) {
    while (pos < text.length && isWhitespace(text.charAt(pos))) pos++;
    if (pos >= text.length) break;
    const item = isSpecial(text.charAt(pos)) ? scanSymbol(text, pos) : scanWord(text, pos);
    items.push(item);
    pos += item.literal.length;
  }
  items.push({ token: 'end', literal: '' });
  return items;
}

/** Go's %q of a string, for field-error values. */
function goQuote(value: string): string {
  return JSON.stringify(value)
    .replace(/\\u0007/g, '\\a')
    .replace(/\\u000b/g, '\\v')
    .replace(/\\u00([01][0-9a-f])/g, '\\x$1')
    .replace(/\u007f/g, '\\x7f');
}

/** A field.Invalid error as its Error() prints. */
const invalid = (path: string, value: string, detail: string): string => `${path}: Invalid value: ${goQuote(value)}: ${detail}`;

/** utilerrors.NewAggregate(...).Error(): one message alone, several de-duplicated in brackets. */
function aggregate(messages: string[]): string | undefined {
  const distinct = [...new Set(messages)];
  if (distinct.length <= 1) return distinct[0];
  return `[${distinct.join(', ')}]`;
}

const INT64 = /^[+-]?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(value, 10, 64), or undefined when it fails. */
function parseInt64(value: string): bigint | undefined {
  if (!INT64.test(value)) return undefined;
  const n = BigInt(value);
  return n < INT64_MIN || n > INT64_MAX ? undefined : n;
}

/** labels.NewRequirement's checks of the values (the key is checked while parsing). */
function checkValues(key: string, operator: LabelOperator, values: string[]): void {
  const errors: string[] = [];
  if (operator === 'GreaterThan' || operator === 'LessThan') {
    values.forEach((v, i) => {
      if (parseInt64(v) === undefined) errors.push(invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
    });
  }
  values.forEach((v, i) => {
    const problems = isLabelValue(v);
    if (problems.length > 0) errors.push(invalid(`values[${i}][${key}]`, v, problems.join('; ')));
  });
  const message = aggregate(errors);
  if (message !== undefined) throw new SelectorError(message);
}

const BINARY: Partial<Record<Token, LabelOperator>> = {
  in: 'In', notin: 'NotIn', '=': 'Equals', '==': 'Equals', '!=': 'NotEquals', '>': 'GreaterThan', '<': 'LessThan',
};

/** A failure inside one requirement, reported as apimachinery wraps it. */
class RequirementError extends Error {}

/** apimachinery's recursive-descent Parser over the scanned tokens. */
class Parser {
  private position = 0;

  constructor(private readonly items: Item[]) {}

  /** The current token; 'in' and 'notin' are identifiers where values are expected. */
  peek(asValue = true): Item {
    const item = this.items[Math.min(this.position, this.items.length - 1)] ?? { token: 'end', literal: '' };
    return asValue && (item.token === 'in' || item.token === 'notin') ? { token: 'identifier', literal: item.literal } : item;
  }

  next(asValue = true): Item {
    const item = this.peek(asValue);
    this.position++;
    return item;
  }

  requirement(): LabelRequirement {
    let first = this.next();
    const negated = first.token === '!';
    if (negated) first = this.next();
    if (first.token !== 'identifier') throw new RequirementError(`found '${first.literal}', expected: identifier`);
    const key = first.literal;
    const problems = isQualifiedName(key);
    if (problems.length > 0) throw new RequirementError(invalid('<nil>', key, problems.join('; ')));
    const following = this.peek().token;
    if (negated) return { key, operator: 'DoesNotExist', values: [] };
    if (following === 'end' || following === ',') return { key, operator: 'Exists', values: [] };
    return this.restriction(key);
  }

  private restriction(key: string): LabelRequirement {
    const op = this.next(false);
    const operator = BINARY[op.token];
    if (operator === undefined) throw new RequirementError(`found '${op.literal}', expected: in, notin, =, ==, !=, gt, lt`);
    const values = operator === 'In' || operator === 'NotIn' ? this.valueSet() : this.exactValue();
    const sorted = [...new Set(values)].sort();
    try {
      checkValues(key, operator, sorted);
    } catch (err) {
      throw new RequirementError((err as Error).message);
    }
    return { key, operator, values: sorted };
  }

  private exactValue(): string[] {
    const ahead = this.peek().token;
    if (ahead === 'end' || ahead === ',') return [''];
    const item = this.next();
    if (item.token !== 'identifier') throw new RequirementError(`found '${item.literal}', expected: identifier`);
    return [item.literal];
  }

  private valueSet(): string[] {
    const open = this.next();
    if (open.token !== '(') throw new RequirementError(`found '${open.literal}' expected: '('`);
    const ahead = this.peek();
    if (ahead.token === ')') {
      this.next();
      return [''];
    }
    if (ahead.token !== 'identifier' && ahead.token !== ',') throw new RequirementError(`found '${ahead.literal}', expected: ',', ')' or identifier`);
    const values = this.identifierList();
    this.next(); // the ')' that ended the list
    return values;
  }

  /** A comma-separated list of possibly empty values, up to (not including) ')'. */
  private identifierList(): string[] {
    const values: string[] = [];
    for (;;) {
      const item = this.next();
      if (item.token === 'identifier') {
        values.push(item.literal);
        const after = this.peek();
        if (after.token === ')') return values;
        if (after.token !== ',') throw new RequirementError(`found '${after.literal}', expected: ',' or ')'`);
      } else if (item.token === ',') {
        if (this.emptyValueAfterComma(values)) return values;
      } else {
        throw new RequirementError(`found '${item.literal}', expected: ',', or identifier`);
      }
    }
  }

  /** After a comma: records the empty values of "(,", ",," and ",)"; true at ",)". */
  private emptyValueAfterComma(values: string[]): boolean {
    if (values.length === 0) values.push('');
    const ahead = this.peek().token;
    if (ahead === ')') values.push('');
    if (ahead === ',') {
      this.next();
      values.push('');
    }
    return ahead === ')';
  }
}

function parseRequirement(parser: Parser): LabelRequirement {
  try {
    return parser.requirement();
  } catch (err) {
    if (err instanceof RequirementError) throw new SelectorError(`unable to parse requirement: ${err.message}`);
    throw err;
  }
}

/** After a requirement: true at the end, past a ',' that is followed by another requirement. */
function afterRequirement(parser: Parser): boolean {
  const item = parser.next();
  if (item.token === 'end') return true;
  if (item.token !== ',') throw new SelectorError(`found '${item.literal}', expected: ',' or 'end of string'`);
  const ahead = parser.peek();
  if (ahead.token !== 'identifier' && ahead.token !== '!') throw new SelectorError(`found '${ahead.literal}', expected: identifier after ','`);
  return false;
}

/**
 * Parses a label selector exactly as apimachinery's labels.Parse: `k=v`, `k==v`, `k!=v`,
 * `k in (a,b)`, `k notin (a)`, `k`, `!k`, `k>1`, `k<1`, comma-separated, whitespace
 * tolerant; `()` and empty list members are the empty value. Requirements come back sorted by
 * key. '' (or only whitespace) is no requirement, which matches everything.
 * @throws SelectorError with the API server's message when the text is not a valid selector.
 */
export function parseLabelSelector(text: string): LabelRequirement[] {
  const parser = new Parser(lex(text));
  const requirements: LabelRequirement[] = [];
  for (let done = false; !done; ) {
    const ahead = parser.peek();
    if (ahead.token === 'end') break;
    if (ahead.token !== 'identifier' && ahead.token !== '!') throw new SelectorError(`found '${ahead.literal}', expected: !, identifier, or 'end of string'`);
    requirements.push(parseRequirement(parser));
    done = afterRequirement(parser);
  }
  return requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function compareInt(operator: LabelOperator, label: string, values: readonly string[]): boolean {
  const have = parseInt64(label);
  const want = values.length === 1 ? parseInt64(values[0] ?? '') : undefined;
  if (have === undefined || want === undefined) return false;
  return operator === 'GreaterThan' ? have > want : have < want;
}

type Matcher = (has: boolean, value: string, values: readonly string[]) => boolean;

const MATCHERS: Record<LabelOperator, Matcher> = {
  Equals: (has, value, values) => has && values.includes(value),
  In: (has, value, values) => has && values.includes(value),
  NotEquals: (has, value, values) => !has || !values.includes(value),
  NotIn: (has, value, values) => !has || !values.includes(value),
  Exists: (has) => has,
  DoesNotExist: (has) => !has,
  GreaterThan: (has, value, values) => has && compareInt('GreaterThan', value, values),
  LessThan: (has, value, values) => has && compareInt('LessThan', value, values),
};

function matchesOne(req: LabelRequirement, labels: Record<string, string>): boolean {
  return MATCHERS[req.operator](Object.hasOwn(labels, req.key), labels[req.key] ?? '', req.values);
}

/**
 * Whether labels satisfy every requirement (no requirement matches everything). `!=`,
 * `notin` and `!k` hold when the key is absent; `>`/`<` need the label to be an int64.
 * Undefined labels are no labels.
 */
export function matchesLabels(reqs: readonly LabelRequirement[], labels: Record<string, string> | undefined): boolean {
  const set = labels ?? {};
  return reqs.every((req) => matchesOne(req, set));
}

/** One term of a field selector. */
export interface FieldRequirement {
  field: string;
  operator: 'Equals' | 'NotEquals';
  value: string;
}

/** The terms of a field selector, split at commas not escaped by a backslash (which stay in the term). */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charAt(i) === '\\') i++;
    else if (text.charAt(i) === ',') {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

const TERM_OPERATORS: Array<[string, FieldRequirement['operator']]> = [['!=', 'NotEquals'], ['==', 'Equals'], ['=', 'Equals']];

/** The term split at the first operator (no escaping on the left), or undefined. */
function splitTerm(term: string): { field: string; operator: FieldRequirement['operator']; rest: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    const found = TERM_OPERATORS.find(([op]) => term.startsWith(op, i));
    if (found) return { field: term.slice(0, i), operator: found[1], rest: term.slice(i + found[0].length) };
  }
  return undefined;
}

/** fields.UnescapeValue: `\\`, `\,` and `\=` are the only escapes; bare `,` and `=` are refused. */
function unescapeValue(value: string): string {
  let out = '';
  let escaping = false;
  for (const ch of value) {
    if (escaping) {
      if (ch !== '\\' && ch !== ',' && ch !== '=') throw new SelectorError(`invalid field selector: invalid escape sequence: \\${ch}`);
      out += ch;
      escaping = false;
    } else if (ch === '\\') {
      escaping = true;
    } else if (ch === ',' || ch === '=') {
      throw new SelectorError(`invalid field selector: unescaped character in value: ${ch.charCodeAt(0)}`);
    } else {
      out += ch;
    }
  }
  if (escaping) throw new SelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/**
 * Parses a field selector as apimachinery's fields.ParseSelector: comma-separated
 * `field=value`, `field==value` or `field!=value` terms (empty terms skipped, nothing
 * trimmed), values unescaped. Terms come back in the sorted order of their text. '' is no
 * requirement, which matches everything.
 * @throws SelectorError with the API server's message (e.g. `invalid selector: 'a'; can't understand 'a'`).
 */
export function parseFieldSelector(text: string): FieldRequirement[] {
  const terms = text === '' ? [] : splitTerms(text).sort();
  return terms.filter((t) => t !== '').map((term) => {
    const split = splitTerm(term);
    if (!split) throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    return { field: split.field, operator: split.operator, value: unescapeValue(split.rest) };
  });
}

/**
 * Whether an object's fields satisfy every term (no term matches everything); a field the
 * object does not have counts as ''.
 */
export function matchesFields(reqs: readonly FieldRequirement[], fieldValue: (field: string) => string | undefined): boolean {
  return reqs.every((req) => ((fieldValue(req.field) ?? '') === req.value) === (req.operator === 'Equals'));
}
