/**
 * Arguments of `dockerpod logs` and `dockerpod exec` (also `kubectl dockerpod ...`), parsed the
 * way kubectl reads its own: short and long flags anywhere around the pod, `-c app`, `-capp`,
 * `-c=app`, `--tail=5`, `--tail -1`, grouped booleans (`-it`), `dockerpod/NAME` as well as
 * `NAME`, and for exec the command after `--`. Pure.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './flags.js';

/** Where a command points: the API (kubeconfig, context), the namespace, the pod and container. */
export interface PodTarget {
  /** kubeconfig file; KUBECONFIG, ~/.kube/config or in-cluster when empty. */
  kubeconfig: string;
  /** kubeconfig context; the current one when empty. */
  context: string;
  /** The context's namespace (else `default`) when empty. */
  namespace: string;
  pod: string;
  /** The only container (or the default-container annotation's) when empty. */
  container: string;
}

/** `logs` arguments. */
export interface LogsArgs extends PodTarget {
  follow: boolean;
  previous: boolean;
  /** Lines from the end; -1 for all. */
  tail: number;
  timestamps: boolean;
}

/** `exec` arguments. */
export interface ExecArgs extends PodTarget {
  stdin: boolean;
  tty: boolean;
  command: string[];
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

const TARGET_OPTIONS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  container: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

const LOGS_OPTIONS = {
  ...TARGET_OPTIONS,
  follow: { type: 'boolean', short: 'f' },
  previous: { type: 'boolean', short: 'p' },
  tail: { type: 'string' },
  timestamps: { type: 'boolean' },
} as const satisfies Options;

const EXEC_OPTIONS = {
  ...TARGET_OPTIONS,
  stdin: { type: 'boolean', short: 'i' },
  tty: { type: 'boolean', short: 't' },
} as const satisfies Options;

/** Resource names that mean a DockerPod in `TYPE/NAME`. */
const POD_TYPES = new Set(['dockerpod', 'dockerpods', 'dpod', 'dpods', 'dockerpod.dockerpod.dev', 'dockerpods.dockerpod.dev']);

/** kubectl's flag spellings parseArgs does not take: `-c=app` and a negative value after a space (`--tail -1`). */
export function normalizeFlags(args: string[], valued: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const next = args[i + 1];
    const shortInline = /^-([a-zA-Z])=(.*)$/s.exec(arg);
    if (shortInline) out.push(`-${shortInline[1] ?? ''}`, shortInline[2] ?? '');
    else if (arg.startsWith('--') && valued.has(arg.slice(2)) && next !== undefined && /^-\d+$/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** The pod's name from `NAME` or `TYPE/NAME`; other types are refused. */
export function podName(arg: string): string {
  const slash = arg.indexOf('/');
  if (slash < 0) return arg;
  const type = arg.slice(0, slash).toLowerCase();
  if (!POD_TYPES.has(type)) throw new UsageError(`only DockerPods have logs and exec here: "${arg}" names a ${type}; use NAME or dockerpod/NAME`);
  return arg.slice(slash + 1);
}

type TargetValues = { kubeconfig?: string; context?: string; namespace?: string; container?: string };

function target(values: TargetValues, pod: string): PodTarget {
  if (pod === '') throw new UsageError('a pod name is required');
  return { kubeconfig: values.kubeconfig ?? '', context: values.context ?? '', namespace: values.namespace ?? '', pod: podName(pod), container: values.container ?? '' };
}

/** Names of the flags that take a value. */
const valuedFlags = (options: Record<string, { type: string }>): Set<string> =>
  new Set(Object.entries(options).filter(([, o]) => o.type === 'string').map(([name]) => name));

/** Runs parseArgs, its errors as UsageErrors (first line only: the rest is advice for other CLIs). */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] ?? 'invalid arguments', { cause: err });
  }
}

/** Parses `logs` arguments; 'help' when -h/--help was given. */
export function parseLogsArgs(args: string[]): LogsArgs | 'help' {
  const { values, positionals } = usage(() =>
    parseArgs({ options: LOGS_OPTIONS, args: normalizeFlags(args, valuedFlags(LOGS_OPTIONS)), allowPositionals: true, strict: true }));
  if (values.help === true) return 'help';
  if (positionals.length > 1) throw new UsageError(`expected one pod, got ${positionals.length} arguments: ${positionals.join(' ')}`);
  const tailText = values.tail ?? '-1';
  const tail = Number(tailText);
  if (!/^-?\d+$/.test(tailText) || tail < -1) throw new UsageError(`--tail: expected a number of lines (-1 for all), got "${tailText}"`);
  return {
    ...target(values, positionals[0] ?? ''),
    follow: values.follow === true,
    previous: values.previous === true,
    tail,
    timestamps: values.timestamps === true,
  };
}

/** Parses `exec` arguments (`POD [flags] -- COMMAND [ARG...]`); 'help' when -h/--help was given. */
export function parseExecArgs(args: string[]): ExecArgs | 'help' {
  const dash = args.indexOf('--');
  const before = dash < 0 ? args : args.slice(0, dash);
  const command = dash < 0 ? [] : args.slice(dash + 1);
  const { values, positionals } = usage(() =>
    parseArgs({ options: EXEC_OPTIONS, args: normalizeFlags(before, valuedFlags(EXEC_OPTIONS)), allowPositionals: true, strict: true }));
  if (values.help === true) return 'help';
  if (positionals.length > 1) throw new UsageError(`expected POD -- COMMAND [ARG...]: put the command after "--" (got ${positionals.slice(1).join(' ')} before it)`);
  if (command.length === 0) throw new UsageError('you must specify at least one command for the container (after "--")');
  return { ...target(values, positionals[0] ?? ''), stdin: values.stdin === true, tty: values.tty === true, command };
}
