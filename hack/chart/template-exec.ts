/**
 * The executing half of the strict template engine: evaluates parsed templates against data as
 * Go's text/template does (dot, `$`, variables scoped to their block, `range` over lists and
 * over maps in sorted key order, `with`, short-circuit `and`/`or`, `include` of a `define`), with
 * Helm's functions. A missing map key reads as nil (for `default`, `if`, `with`); a field of nil,
 * or of a non-map, is an error, as in Go.
 */
import { FUNCTIONS, formatValue, truthy, type TemplateFunction } from './template-functions.js';
import { TemplateError, type Command, type Defines, type Expr, type Node, type Pipeline } from './template-syntax.js';

const MAX_INCLUDE_DEPTH = 100;

/** Variables in scope, innermost last. */
type Vars = Array<{ name: string; value: unknown }>;

/** Where a command runs: dot, variables, the place for errors, and the value piped in (if any). */
interface CallContext {
  dot: unknown;
  vars: Vars;
  where: string;
  piped: unknown[];
}

const typeName = (value: unknown): string => (value === null || value === undefined ? 'nil' : Array.isArray(value) ? 'list' : typeof value === 'object' ? 'map' : typeof value);

/** Executes templates against data with the defines of one chart. */
export class TemplateExecutor {
  private depth = 0;

  constructor(
    private readonly defines: Defines,
    private readonly functions: Record<string, TemplateFunction> = FUNCTIONS,
  ) {}

  /** Renders `nodes` with `data` as dot and `$`. */
  render(nodes: Node[], data: unknown): string {
    return this.list(nodes, data, [{ name: '$', value: data }]);
  }

  /** Renders the template `name` (what `include` does). */
  include(name: string, data: unknown, where: string): string {
    const nodes = this.defines.get(name);
    if (!nodes) throw new TemplateError(where, `include of undefined template "${name}"`);
    if (++this.depth > MAX_INCLUDE_DEPTH) throw new TemplateError(where, `include nested more than ${MAX_INCLUDE_DEPTH} deep`);
    try {
      return this.render(nodes, data);
    } finally {
      this.depth--;
    }
  }

  private list(nodes: Node[], dot: unknown, vars: Vars): string {
    const mark = vars.length;
    let out = '';
    for (const node of nodes) out += this.node(node, dot, vars);
    vars.length = mark;
    return out;
  }

  private node(node: Node, dot: unknown, vars: Vars): string {
    switch (node.t) {
      case 'text':
        return node.text;
      case 'action': {
        const value = this.pipeline(node.pipeline, dot, vars);
        return node.pipeline.vars.length > 0 ? '' : formatValue(value, node.pipeline.where);
      }
      case 'if': {
        const branch = node.branches.find((b) => truthy(this.pipeline(b.cond, dot, vars)));
        return this.list(branch ? branch.body : node.otherwise, dot, vars);
      }
      case 'with': {
        const value = this.pipeline(node.pipeline, dot, vars);
        return truthy(value) ? this.list(node.body, value, vars) : this.list(node.otherwise, dot, vars);
      }
      case 'range':
        return this.range(node, dot, vars);
    }
  }

  private range(node: Extract<Node, { t: 'range' }>, dot: unknown, vars: Vars): string {
    const { pipeline } = node;
    const value = this.pipeline({ ...pipeline, vars: [] }, dot, vars);
    let entries: Array<[unknown, unknown]>;
    if (value === undefined || value === null) entries = [];
    else if (Array.isArray(value)) entries = value.map((v, i) => [i, v]);
    else if (typeof value === 'object') entries = Object.keys(value).sort().map((k) => [k, (value as Record<string, unknown>)[k]]);
    else throw new TemplateError(pipeline.where, `range over a ${typeName(value)} is not supported`);
    if (entries.length === 0) return this.list(node.otherwise, dot, vars);
    let out = '';
    for (const [key, element] of entries) {
      const mark = vars.length;
      // One variable gets the element; two get the key (or index) and the element.
      if (pipeline.vars.length === 1) vars.push({ name: pipeline.vars[0] ?? '', value: element });
      if (pipeline.vars.length === 2) vars.push({ name: pipeline.vars[0] ?? '', value: key }, { name: pipeline.vars[1] ?? '', value: element });
      out += this.list(node.body, element, vars);
      vars.length = mark;
    }
    return out;
  }

  private pipeline(p: Pipeline, dot: unknown, vars: Vars): unknown {
    let value: unknown;
    p.commands.forEach((command, i) => {
      value = this.command(command, { dot, vars, where: p.where, piped: i === 0 ? [] : [value] });
    });
    if (p.vars.length > 1) throw new TemplateError(p.where, 'only range declares two variables');
    const name = p.vars[0];
    if (name === undefined) return value;
    if (!p.assign) vars.push({ name, value });
    else {
      const existing = [...vars].reverse().find((v) => v.name === name);
      if (!existing) throw new TemplateError(p.where, `undefined variable ${name}`);
      existing.value = value;
    }
    return value;
  }

  private command(command: Command, c: CallContext): unknown {
    const [head, ...rest] = command.operands;
    if (head?.t === 'function') return this.call(head.name, rest, c);
    if (rest.length > 0 || c.piped.length > 0) throw new TemplateError(c.where, "can't give an argument to a non-function");
    return this.expr(head as Expr, c.dot, c.vars, c.where);
  }

  private call(name: string, operands: Expr[], c: CallContext): unknown {
    const arg = (e: Expr): unknown => this.expr(e, c.dot, c.vars, c.where);
    if (name === 'and' || name === 'or') {
      // Go evaluates and/or lazily: the first argument that decides is the result.
      const thunks = [...operands.map((e) => () => arg(e)), ...c.piped.map((v) => () => v)];
      if (thunks.length < 2) throw new TemplateError(c.where, `${name} takes at least 2 arguments`);
      let result: unknown;
      for (const thunk of thunks) {
        result = thunk();
        if (truthy(result) === (name === 'or')) return result;
      }
      return result;
    }
    const args = [...operands.map(arg), ...c.piped];
    if (name === 'include') {
      if (args.length !== 2 || typeof args[0] !== 'string') throw new TemplateError(c.where, 'include takes a template name and its data');
      return this.include(args[0], args[1], c.where);
    }
    const fn = this.functions[name];
    if (!fn) throw new TemplateError(c.where, `function "${name}" is not supported by this renderer`);
    return fn(args, c.where);
  }

  private expr(e: Expr, dot: unknown, vars: Vars, where: string): unknown {
    if (e.t === 'literal') return e.value;
    if (e.t === 'pipeline') return this.pipeline(e.pipeline, dot, vars);
    if (e.t === 'function') return this.call(e.name, [], { dot, vars, where, piped: [] });
    let value: unknown = dot;
    if (e.base !== undefined) {
      const found = [...vars].reverse().find((v) => v.name === e.base);
      if (!found) throw new TemplateError(where, `undefined variable ${e.base}`);
      value = found.value;
    }
    const walked: string[] = [];
    for (const key of e.path) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new TemplateError(where, `can't evaluate field ${key} of ${walked.length > 0 ? `.${walked.join('.')}` : 'dot'} (a ${typeName(value)})`);
      }
      value = Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
      walked.push(key);
    }
    return value;
  }
}
