/**
 * The user commands on a DockerPod's containers, `logs` and `exec`, as both executables run them
 * (`dockerpod logs ...` and the kubectl plugin's `kubectl dockerpod logs ...`): arguments, help,
 * and kubectl's exit codes and messages (usage errors exit 2, every other error 1 with
 * `error: ...` or `Error from server (Reason): ...`; exec exits with the command's code).
 */
import { execUsage, runExec } from './exec.js';
import { UsageError } from './flags.js';
import { logsUsage, runLogs } from './logs.js';
import { parseExecArgs, parseLogsArgs, type ExecArgs, type LogsArgs } from './pod-command-args.js';
import { errorText, resolveThroughApi } from './pod-engine.js';
import { processEnv, type CommandEnv } from './pod-io.js';

/** Help lines of the two commands, for a program's usage. */
export const POD_COMMANDS_HELP = `  logs        Print the logs of a container of a DockerPod (from the engine it runs on)
                logs POD [-c CONTAINER] [-f] [-p|--previous] [--tail N] [--timestamps] [-n NAMESPACE] [--kubeconfig FILE]
  exec        Run a command in a container of a DockerPod and exit with its exit code
                exec POD [-c CONTAINER] [-i] [-t] [-n NAMESPACE] [--kubeconfig FILE] -- COMMAND [ARG...]`;

/** One command: its parser, its usage and its run. */
export interface PodCommand<A> {
  name: string;
  parse(args: string[]): A | 'help';
  usage(program: string): string;
  run(args: A, env: CommandEnv): Promise<number>;
}

const LOGS: PodCommand<LogsArgs> = { name: 'logs', parse: parseLogsArgs, usage: logsUsage, run: runLogs };
const EXEC: PodCommand<ExecArgs> = { name: 'exec', parse: parseExecArgs, usage: execUsage, run: runExec };

/** How to run a command: the program's name, where usage goes, and the environment of a valid run. */
export interface PodCommandOptions {
  program: string;
  /** Called only once the arguments are valid (it installs signal handlers). */
  makeEnv: () => CommandEnv;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/** Parses and runs a command: its exit code. */
export async function runPodCommand<A>(command: PodCommand<A>, args: string[], options: PodCommandOptions): Promise<number> {
  const { program, stdout = process.stdout, stderr = process.stderr } = options;
  let parsed: A | 'help';
  try {
    parsed = command.parse(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    stderr.write(`${program} ${command.name}: ${err.message}\nSee '${program} ${command.name} --help' for usage.\n`);
    return 2;
  }
  if (parsed === 'help') {
    stdout.write(command.usage(program));
    return 0;
  }
  const env = options.makeEnv();
  try {
    return await command.run(parsed, env);
  } catch (err) {
    if (env.signal.aborted) return env.interruptedCode();
    env.stderr.write(`${errorText(err)}\n`);
    return 1;
  }
}

/** `PROGRAM logs ...` in this process. */
export function logsCommand(args: string[], program = 'dockerpod'): Promise<number> {
  return runPodCommand(LOGS, args, { program, makeEnv: () => processEnv(program, resolveThroughApi) });
}

/** `PROGRAM exec ...` in this process. */
export function execCommand(args: string[], program = 'dockerpod'): Promise<number> {
  return runPodCommand(EXEC, args, { program, makeEnv: () => processEnv(program, resolveThroughApi) });
}

/** The commands by name, for tests that run them with their own environment. */
export const POD_COMMANDS = { logs: LOGS, exec: EXEC } as const;
