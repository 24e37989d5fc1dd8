/**
 * `dockerpod exec` (and `kubectl dockerpod exec`): runs a command in the current instance of a
 * container, as `kubectl exec` does, and exits with the command's exit code (Docker's 126 and 127
 * when it cannot be run or found). `-i` streams stdin to the command (its end closes the
 * command's stdin); `-t` allocates a TTY (output unframed, sized like the local terminal), and
 * the local terminal goes raw only when stdin is one and is attached.
 */
import type { ExecArgs } from './pod-command-args.js';
import { instanceLabels, notStartedMessage, pickInstance, selectContainer, TargetError } from './pod-container.js';
import { pumpOutput, type CommandEnv } from './pod-io.js';
import type { ExecSession } from '../runtime/docker/types.js';

/** Usage of the command, for `program` (`dockerpod` or `kubectl dockerpod`). */
export function execUsage(program: string): string {
  return `Usage: ${program} exec POD [-c CONTAINER] [-i] [-t] [-n NAMESPACE] -- COMMAND [ARG...]

Run a command in a container of a DockerPod, on the Docker engine the pod runs on; exit with its exit code.

Flags:
  -c, --container NAME   the container; may be omitted when the pod has one (or a default-container annotation)
  -i, --stdin            pass stdin to the command
  -t, --tty              allocate a TTY (the local terminal goes raw when stdin is one and -i is given)
  -n, --namespace NS     the pod's namespace (default: the kubeconfig context's, else "default")
      --kubeconfig FILE  kubeconfig (default: KUBECONFIG, ~/.kube/config, or in-cluster)
      --context NAME     kubeconfig context (default: the current one)
`;
}

/** Keeps the remote TTY the size of the local terminal (when there are both); returns the unsubscribe. */
function followSize(session: ExecSession, env: CommandEnv, tty: boolean): () => void {
  if (!tty || env.stdout.isTTY !== true) return () => undefined;
  const resize = (): void => {
    const { rows, columns } = env.stdout;
    if (rows && columns) session.resize(rows, columns).catch(() => undefined);
  };
  resize();
  return env.onResize(resize);
}

/** Wires the local terminal to the session: raw mode, size, stdin. Returns the undo. */
function attachTerminal(session: ExecSession, env: CommandEnv, args: ExecArgs): () => void {
  const raw = args.tty && args.stdin && env.stdin.isTTY === true && typeof env.stdin.setRawMode === 'function';
  if (raw) env.stdin.setRawMode?.(true);
  const unsubscribe = followSize(session, env, args.tty);
  const input = session.stdin;
  if (input) env.stdin.pipe(input);
  return () => {
    unsubscribe();
    if (input) env.stdin.unpipe(input);
    if (args.stdin) env.stdin.pause();
    if (raw) env.stdin.setRawMode?.(false);
  };
}

/** Runs the command; resolves to its exit code (the interrupt's after Ctrl-C). Throws TargetError, ApiException, DockerError. */
export async function runExec(args: ExecArgs, env: CommandEnv): Promise<number> {
  const { pod, engine } = await env.resolve(args);
  const container = selectContainer(pod, args.container);
  const instance = pickInstance(await engine.listContainers(instanceLabels(pod, container), env.signal), 'current');
  if (!instance) throw new TargetError(notStartedMessage(pod, container));
  if (instance.state !== 'running') throw new TargetError(`container "${container}" in pod "${pod.metadata.name ?? ''}" is not running (${instance.state})`);
  const session = await engine.startExec(instance.id, { cmd: args.command, stdin: args.stdin, tty: args.tty, signal: env.signal });
  const detach = attachTerminal(session, env, args);
  try {
    await pumpOutput(session, env.stdout, env.stderr, env.signal);
    if (env.signal.aborted) return env.interruptedCode();
    const code = await session.exitCode(env.signal);
    if (code === null) throw new TargetError('the engine reported no exit code for the command');
    return code;
  } finally {
    detach();
    session.close();
  }
}
