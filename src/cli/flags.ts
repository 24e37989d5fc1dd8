/**
 * Command-line flags with environment-variable fallbacks: `--flag value` wins, then the flag's
 * variable, then its default. One table per command is also its help text and the README's
 * configuration reference.
 */
import { parseArgs } from 'node:util';

/** Kinds of flag values. */
export type FlagType = 'string' | 'int' | 'bool' | 'duration';

/** One flag. */
export interface FlagSpec {
  type: FlagType;
  env: string;
  default: string;
  help: string;
}

/** A table of flags by name. */
export type FlagTable = Record<string, FlagSpec>;

/** An invalid flag value or unknown flag, printed without a stack. */
export class UsageError extends Error {}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go-style duration ("500ms", "30s", "5m", "1h30m") into milliseconds. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new UsageError(`invalid duration "${text}" (e.g. 30s, 5m, 1h30m)`);
  return parts.reduce((ms, p) => ms + Number(p[1]) * (UNITS[p[2] ?? 's'] ?? 1000), 0);
}

function convert(name: string, spec: FlagSpec, raw: string): string | number | boolean {
  if (spec.type === 'string') return raw;
  if (spec.type === 'duration') return parseDuration(raw);
  if (spec.type === 'bool') {
    if (!['true', 'false', '1', '0'].includes(raw)) throw new UsageError(`--${name}: expected true or false, got "${raw}"`);
    return raw === 'true' || raw === '1';
  }
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new UsageError(`--${name}: expected an integer, got "${raw}"`);
  return n;
}

/** Values by flag name: strings, numbers (int, duration in ms) and booleans. */
export type FlagValues = Record<string, string | number | boolean>;

const BOOL_WORDS = ['true', 'false', '1', '0'];

/** The explicit value of a bool flag at `args[i]` (`--flag=false`, `--flag false`) and how many args it took. */
function boolValueAt(table: FlagTable, args: string[], i: number): { name: string; value: string; taken: number } | undefined {
  const [flag = '', inline] = (args[i] ?? '').split(/=(.*)/s, 2);
  const name = flag.slice(2);
  if (!flag.startsWith('--') || table[name]?.type !== 'bool') return undefined;
  if (inline !== undefined) return { name, value: inline, taken: 1 };
  const next = args[i + 1];
  return next !== undefined && BOOL_WORDS.includes(next) ? { name, value: next, taken: 2 } : undefined;
}

/** Takes the explicit values of bool flags out of `args`: parseArgs accepts bare booleans only, so `--oom-score-adj false` would be refused. */
function splitBoolValues(table: FlagTable, args: string[]): { rest: string[]; explicit: Record<string, string> } {
  const rest: string[] = [];
  const explicit: Record<string, string> = {};
  for (let i = 0; i < args.length; ) {
    const found = boolValueAt(table, args, i);
    if (found) explicit[found.name] = found.value;
    else rest.push(args[i] ?? '');
    i += found?.taken ?? 1;
  }
  return { rest, explicit };
}

/** Parses `args` against `table`, with environment fallbacks. */
export function parseFlags(table: FlagTable, args: string[], env: NodeJS.ProcessEnv = process.env): FlagValues {
  const options = Object.fromEntries(Object.entries(table).map(([name, spec]) => [name, { type: spec.type === 'bool' ? ('boolean' as const) : ('string' as const) }]));
  const { rest, explicit } = splitBoolValues(table, args);
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: rest, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message, { cause: err });
  }
  return Object.fromEntries(
    Object.entries(table).map(([name, spec]) => {
      const given = explicit[name] ?? values[name];
      const raw = given === undefined ? (env[spec.env] ?? spec.default) : String(given);
      return [name, convert(name, spec, raw)];
    }),
  );
}

/** Help lines for a table. */
export function flagHelp(table: FlagTable, indent = '    '): string {
  return Object.entries(table)
    .map(([name, f]) => `${indent}--${name.padEnd(26)} ${f.help} (env ${f.env}, default ${JSON.stringify(f.default)})`)
    .join('\n');
}
