/**
 * The syntax half of a small, strict Go text/template engine (the subset Helm charts in this
 * repository use): `{{ }}` actions with `-` whitespace trimming and comments, pipelines with
 * fields (`.a.b`, `$.a`, `$x.a`), literals, function calls and parentheses, variables (`:=`, `=`),
 * and `if`/`else if`/`else`, `range`, `with`, `define`, `end`. Anything else (`template`, `block`,
 * `break`, `else with`, char constants, a `{{-` without the space Go requires) is a TemplateError
 * naming the file and line, never silently read as text: a renderer that guesses could mis-render.
 */

/** A template that this engine refuses, with the place it was found. */
export class TemplateError extends Error {
  constructor(where: string, message: string) {
    super(`${where}: ${message}`);
    this.name = 'TemplateError';
  }
}

/** One piece of a template source: literal text, or the body of an action with its line. */
export type Piece = { kind: 'text'; text: string } | { kind: 'action'; body: string; where: string };

const SPACE = new Set([' ', '\t', '\r', '\n']);

/** Index just past the string literal that starts at `i` (a `"` or a backquote). */
function skipString(source: string, i: number, where: string): number {
  const quote = source[i];
  for (let j = i + 1; j < source.length; j++) {
    const c = source[j];
    if (quote === '"' && c === '\\') j++;
    else if (c === quote) return j + 1;
    else if (quote === '"' && c === '\n') break;
  }
  throw new TemplateError(where, 'unterminated string literal');
}

/** Index of the `}}` that closes the action whose body starts at `i`, skipping string literals. */
function closeOf(source: string, i: number, where: string): number {
  for (let j = i; j < source.length; ) {
    const c = source[j];
    if (c === '"' || c === '`') j = skipString(source, j, where);
    else if (c === "'") throw new TemplateError(where, 'character constants are not supported');
    else if (source.startsWith('}}', j)) return j;
    else j++;
  }
  throw new TemplateError(where, 'unclosed action (no "}}")');
}

const lineAt = (source: string, index: number): number => source.slice(0, index).split('\n').length;

/** The action that opens at `open`: its body (trim markers removed), whether it trims either side, and where it ends. */
function actionAt(source: string, open: number, where: string): { body: string; trimLeft: boolean; trimRight: boolean; end: number } {
  const trimLeft = source[open + 2] === '-' && SPACE.has(source[open + 3] ?? '');
  if (source[open + 2] === '-' && !trimLeft) throw new TemplateError(where, '"{{-" must be followed by a space (a trim marker), write "{{ -" for a negative number');
  const start = open + (trimLeft ? 3 : 2);
  // A comment ends at the first "*/" whatever it holds (quotes included), as in Go.
  const comment = /^[ \t\r\n]*\/\*/.test(source.slice(start, start + 8));
  const commentEnd = comment ? source.indexOf('*/', start) : -1;
  if (comment && commentEnd === -1) throw new TemplateError(where, 'unclosed comment');
  const close = comment ? source.indexOf('}}', commentEnd) : closeOf(source, start, where);
  if (close === -1) throw new TemplateError(where, 'unclosed action (no "}}")');
  const body = source.slice(start, close);
  const trimRight = /[ \t\r\n]-$/.test(body);
  if (body.endsWith('-') && !trimRight && body.trim() !== '') throw new TemplateError(where, '"-}}" must be preceded by a space (a trim marker)');
  return { body: trimRight ? body.slice(0, -1) : body, trimLeft, trimRight, end: close + 2 };
}

/** Whether an action body is a comment (slash-star ... star-slash), checking that it is well formed. */
function isComment(body: string, where: string): boolean {
  const trimmed = body.trim();
  if (!trimmed.startsWith('/*')) return false;
  if (!trimmed.endsWith('*/')) throw new TemplateError(where, 'a comment must end with "*/" right before "}}"');
  return true;
}

/**
 * Splits a template source into text and actions, applying the trim markers as Go does: `{{- `
 * removes all whitespace before the action, ` -}}` all whitespace after it. Comments vanish.
 */
export function lexTemplate(source: string, name: string): Piece[] {
  const pieces: Piece[] = [];
  let text = '';
  let trimNext = false;
  for (let i = 0; ; ) {
    const open = source.indexOf('{{', i);
    const chunk = source.slice(i, open === -1 ? undefined : open);
    text += trimNext ? chunk.replace(/^[ \t\r\n]+/, '') : chunk;
    if (open === -1) break;
    const where = `${name}:${lineAt(source, open)}`;
    const action = actionAt(source, open, where);
    if (action.trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    trimNext = action.trimRight;
    i = action.end;
    if (isComment(action.body, where)) continue;
    if (text !== '') pieces.push({ kind: 'text', text });
    text = '';
    pieces.push({ kind: 'action', body: action.body, where });
  }
  if (text !== '') pieces.push({ kind: 'text', text });
  return pieces;
}

/** A token of an action's body. */
export type Token =
  | { t: 'field'; path: string[] }
  | { t: 'var'; name: string; path: string[] }
  | { t: 'ident'; name: string }
  | { t: 'string'; value: string }
  | { t: 'number'; value: number }
  | { t: 'punct'; value: '(' | ')' | '|' | ':=' | '=' | ',' };

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;
const FIELDS = /^(?:\.[A-Za-z_][A-Za-z0-9_]*)+/;
const NUMBER = /^-?\d+(?:\.\d+)?(?![A-Za-z0-9_.])/;

function stringToken(body: string, i: number, where: string): { token: Token; end: number } {
  const end = skipString(body, i, where);
  const raw = body.slice(i, end);
  if (raw.startsWith('`')) return { token: { t: 'string', value: raw.slice(1, -1) }, end };
  // Go and JSON agree on \" \\ \n \t \r \uXXXX; Go's other escapes (\x41, \a, \101) are refused.
  if (/\\[^"\\ntru]/.test(raw)) throw new TemplateError(where, `unsupported escape in ${raw}`);
  return { token: { t: 'string', value: JSON.parse(raw) as string }, end };
}

const pathOf = (text: string): string[] => text.split('.').filter(Boolean);

/** One token at `i` of `body` (which is not whitespace), and where the next one starts. */
function tokenAt(body: string, i: number, where: string): { token: Token; end: number } {
  const rest = body.slice(i);
  const c = rest[0] ?? '';
  if (c === '"' || c === '`') return stringToken(body, i, where);
  if (rest.startsWith(':=')) return { token: { t: 'punct', value: ':=' }, end: i + 2 };
  if ('()|=,'.includes(c)) return { token: { t: 'punct', value: c as '(' }, end: i + 1 };
  const fields = FIELDS.exec(rest);
  if (fields) return { token: { t: 'field', path: pathOf(fields[0]) }, end: i + fields[0].length };
  if (c === '.') return { token: { t: 'field', path: [] }, end: i + 1 };
  if (c === '$') {
    const name = IDENT.exec(rest.slice(1))?.[0] ?? '';
    const chain = FIELDS.exec(rest.slice(1 + name.length))?.[0] ?? '';
    return { token: { t: 'var', name: `$${name}`, path: pathOf(chain) }, end: i + 1 + name.length + chain.length };
  }
  const number = NUMBER.exec(rest);
  if (number) return { token: { t: 'number', value: Number(number[0]) }, end: i + number[0].length };
  const ident = IDENT.exec(rest);
  if (ident) return { token: { t: 'ident', name: ident[0] }, end: i + ident[0].length };
  throw new TemplateError(where, `unexpected "${rest.slice(0, 10)}" in action`);
}

/** Splits an action's body into tokens. */
export function tokenize(body: string, where: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < body.length; ) {
    if (SPACE.has(body[i] ?? '')) {
      i++;
      continue;
    }
    const { token, end } = tokenAt(body, i, where);
    // `(pipeline).field` is Go's field access on a result, which this renderer does not support.
    const previous = tokens[tokens.length - 1];
    if (token.t === 'field' && previous?.t === 'punct' && previous.value === ')' && !SPACE.has(body[i - 1] ?? '')) throw new TemplateError(where, 'field access on "(...)" is not supported');
    tokens.push(token);
    i = end;
  }
  return tokens;
}

/** An operand or a nested pipeline. */
export type Expr =
  | { t: 'field'; /** A variable (`$`, `$x`); dot when absent. */ base?: string; path: string[] }
  | { t: 'literal'; value: string | number | boolean | null }
  | { t: 'function'; name: string }
  | { t: 'pipeline'; pipeline: Pipeline };

/** A command of a pipeline: a function with arguments, or one operand. */
export interface Command {
  operands: Expr[];
}

/** A pipeline, with its optional variable declaration (`$x :=`, `$i, $v :=`) or assignment (`$x =`). */
export interface Pipeline {
  vars: string[];
  assign: boolean;
  commands: Command[];
  where: string;
}

/** A node of a parsed template. */
export type Node =
  | { t: 'text'; text: string }
  | { t: 'action'; pipeline: Pipeline }
  | { t: 'if'; branches: Array<{ cond: Pipeline; body: Node[] }>; otherwise: Node[] }
  | { t: 'range'; pipeline: Pipeline; body: Node[]; otherwise: Node[] }
  | { t: 'with'; pipeline: Pipeline; body: Node[]; otherwise: Node[] };

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);
const LITERALS: Record<string, boolean | null> = { true: true, false: false, nil: null };

/** The variable a declaration token names (none for the commas between them). */
function declared(tk: Token, where: string): string[] {
  if (tk.t !== 'var') return [];
  if (tk.path.length > 0) throw new TemplateError(where, `cannot assign to ${tk.name}.${tk.path.join('.')}`);
  return [tk.name];
}

/** Parses tokens into a pipeline; `allowDecl` permits a leading `$x :=` / `$x =`. */
export function parsePipeline(tokens: Token[], where: string, allowDecl = true): Pipeline {
  let rest = tokens;
  const vars: string[] = [];
  let assign = false;
  const declEnd = rest.findIndex((tk) => tk.t === 'punct' && (tk.value === ':=' || tk.value === '='));
  if (declEnd !== -1 && rest.slice(0, declEnd).every((tk) => tk.t === 'var' || (tk.t === 'punct' && tk.value === ','))) {
    if (!allowDecl) throw new TemplateError(where, 'a variable declaration is not allowed here');
    for (const tk of rest.slice(0, declEnd)) vars.push(...declared(tk, where));
    assign = (rest[declEnd] as { value: string }).value === '=';
    rest = rest.slice(declEnd + 1);
  }
  const pipeline: Pipeline = { vars, assign, commands: [], where };
  const parser = new ExprParser(rest, where);
  pipeline.commands = parser.commands(false);
  if (pipeline.commands.length === 0) throw new TemplateError(where, 'missing value for command');
  return pipeline;
}

/** Recursive descent over the tokens of one pipeline. */
class ExprParser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly where: string,
  ) {}

  commands(nested: boolean): Command[] {
    const commands: Command[] = [];
    let operands: Expr[] = [];
    for (;;) {
      const tk = this.tokens[this.i];
      if (tk === undefined || (tk.t === 'punct' && tk.value === ')')) {
        if (tk === undefined && nested) throw new TemplateError(this.where, 'unclosed "("');
        if (tk !== undefined && !nested) throw new TemplateError(this.where, 'unexpected ")"');
        break;
      }
      this.i++;
      if (tk.t === 'punct' && tk.value === '|') {
        if (operands.length === 0) throw new TemplateError(this.where, 'missing command before "|"');
        commands.push({ operands });
        operands = [];
        continue;
      }
      operands.push(this.operand(tk, operands.length === 0));
    }
    if (operands.length > 0) commands.push({ operands });
    else if (commands.length > 0) throw new TemplateError(this.where, 'missing command after "|"');
    return commands;
  }

  private operand(tk: Token, first: boolean): Expr {
    if (tk.t === 'field') return { t: 'field', path: tk.path };
    if (tk.t === 'var') return { t: 'field', base: tk.name, path: tk.path };
    if (tk.t === 'string' || tk.t === 'number') return { t: 'literal', value: tk.value };
    if (tk.t === 'ident') return this.identifier(tk.name, first);
    if (tk.value === '(') {
      const pipeline: Pipeline = { vars: [], assign: false, commands: this.commands(true), where: this.where };
      this.i++;
      if (pipeline.commands.length === 0) throw new TemplateError(this.where, 'empty "()"');
      return { t: 'pipeline', pipeline };
    }
    throw new TemplateError(this.where, `unexpected "${tk.value}"`);
  }

  private identifier(name: string, first: boolean): Expr {
    if (name in LITERALS) return { t: 'literal', value: LITERALS[name] ?? null };
    if (KEYWORDS.has(name)) throw new TemplateError(this.where, `unexpected keyword "${name}"`);
    // Go would call a bare function name in argument position with no arguments; nothing here needs that.
    if (!first) throw new TemplateError(this.where, `function "${name}" used as an argument: wrap it in parentheses`);
    return { t: 'function', name };
  }
}

/** Templates defined with `{{ define }}`, by name. */
export type Defines = Map<string, Node[]>;

/** The keyword an action starts with, if it is a control action. */
function keywordOf(body: string): string | undefined {
  const word = /^\s*([A-Za-z]+)\b/.exec(body)?.[1];
  return word !== undefined && KEYWORDS.has(word) ? word : undefined;
}

/** Parses lexed pieces into nodes; `define`d templates go to `defines`. */
export class TemplateParser {
  private i = 0;
  constructor(
    private readonly pieces: Piece[],
    private readonly defines: Defines,
  ) {}

  /** Parses the whole template (top level: `define` allowed, no dangling `end`/`else`). */
  parseTop(): Node[] {
    const { nodes, stop } = this.list(true);
    if (stop) throw new TemplateError(stop.where, `unexpected {{${stop.body}}}`);
    return nodes;
  }

  private list(top: boolean): { nodes: Node[]; stop?: { word: string; body: string; where: string } } {
    const nodes: Node[] = [];
    while (this.i < this.pieces.length) {
      const piece = this.pieces[this.i++] as Piece;
      if (piece.kind === 'text') {
        nodes.push({ t: 'text', text: piece.text });
        continue;
      }
      const word = keywordOf(piece.body);
      if (word === 'end' || word === 'else') return { nodes, stop: { word, body: piece.body, where: piece.where } };
      const node = this.control(word, piece, top);
      if (node) nodes.push(node);
    }
    return { nodes };
  }

  private control(word: string | undefined, piece: { body: string; where: string }, top: boolean): Node | undefined {
    const rest = piece.body.replace(/^\s*[A-Za-z]+/, '');
    if (word === undefined) return { t: 'action', pipeline: parsePipeline(tokenize(piece.body, piece.where), piece.where) };
    if (word === 'if') return this.ifNode(rest, piece.where);
    if (word === 'range' || word === 'with') return this.block(word, rest, piece.where);
    if (word === 'define') {
      if (!top) throw new TemplateError(piece.where, '"define" is only allowed at the top level');
      this.define(rest, piece.where);
      return undefined;
    }
    throw new TemplateError(piece.where, `"${word}" is not supported by this renderer (use include, not template; no block/break/continue)`);
  }

  private define(rest: string, where: string): void {
    const tokens = tokenize(rest, where);
    const name = tokens[0];
    if (tokens.length !== 1 || name?.t !== 'string') throw new TemplateError(where, 'define takes one string: {{ define "name" }}');
    if (this.defines.has(name.value)) throw new TemplateError(where, `template "${name.value}" is defined twice`);
    const { nodes, stop } = this.list(false);
    if (stop?.word !== 'end' || stop.body.trim() !== 'end') throw new TemplateError(where, `define "${name.value}" has no matching {{ end }}`);
    this.defines.set(name.value, nodes);
  }

  private ifNode(rest: string, where: string): Node {
    const branches: Array<{ cond: Pipeline; body: Node[] }> = [];
    let cond = parsePipeline(tokenize(rest, where), where, false);
    for (;;) {
      const { nodes, stop } = this.list(false);
      branches.push({ cond, body: nodes });
      if (!stop) throw new TemplateError(where, 'if has no matching {{ end }}');
      if (stop.word === 'end') return this.ended(stop, { t: 'if', branches, otherwise: [] });
      const after = stop.body.replace(/^\s*else/, '').trim();
      if (after === '') return { t: 'if', branches, otherwise: this.elseBody(where) };
      if (!after.startsWith('if ')) throw new TemplateError(stop.where, `{{ else ${after} }} is not supported (only else and else if)`);
      cond = parsePipeline(tokenize(after.slice(3), stop.where), stop.where, false);
    }
  }

  private block(word: 'range' | 'with', rest: string, where: string): Node {
    const pipeline = parsePipeline(tokenize(rest, where), where);
    if (pipeline.assign || (word === 'with' && pipeline.vars.length > 0) || pipeline.vars.length > 2) throw new TemplateError(where, `unsupported variables in ${word}`);
    const { nodes, stop } = this.list(false);
    if (!stop) throw new TemplateError(where, `${word} has no matching {{ end }}`);
    if (stop.word === 'end') return this.ended(stop, { t: word, pipeline, body: nodes, otherwise: [] });
    if (stop.body.trim() !== 'else') throw new TemplateError(stop.where, `{{${stop.body}}} is not supported in ${word} (only a plain else)`);
    return { t: word, pipeline, body: nodes, otherwise: this.elseBody(where) };
  }

  private elseBody(where: string): Node[] {
    const { nodes, stop } = this.list(false);
    if (stop?.word !== 'end') throw new TemplateError(stop?.where ?? where, 'else must be followed by {{ end }}');
    return this.ended(stop, nodes);
  }

  private ended<T>(stop: { body: string; where: string }, value: T): T {
    if (stop.body.trim() !== 'end') throw new TemplateError(stop.where, `unexpected {{${stop.body}}}`);
    return value;
  }
}

/** Parses one template source; its `define`s are added to `defines`. */
export function parseTemplate(source: string, name: string, defines: Defines): Node[] {
  return new TemplateParser(lexTemplate(source, name), defines).parseTop();
}
