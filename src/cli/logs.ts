/**
 * `dockerpod logs` (and `kubectl dockerpod logs`): a container's output as `kubectl logs` prints
 * it, read from the engine the pod is bound to: stdout to stdout and stderr to stderr (one
 * stream, unchanged, for a TTY container), `--tail`, `--timestamps` (RFC 3339 with nanoseconds),
 * `--previous` (the instance before the current one), and `-f` until the container stops or the
 * user interrupts.
 */
import type { LogsArgs } from './pod-command-args.js';
import { instanceLabels, noPreviousMessage, notStartedMessage, pickInstance, selectContainer, TargetError } from './pod-container.js';
import { pumpOutput, type CommandEnv } from './pod-io.js';

/** Usage of the command, for `program` (`dockerpod` or `kubectl dockerpod`). */
export function logsUsage(program: string): string {
  return `Usage: ${program} logs POD [-c CONTAINER] [-f] [-p] [--tail N] [--timestamps] [-n NAMESPACE]

Print the logs of a container of a DockerPod, read from the Docker engine the pod runs on.

Flags:
  -c, --container NAME   the container; may be omitted when the pod has one (or a default-container annotation)
  -f, --follow           keep printing new output until the container stops (or Ctrl-C)
  -p, --previous         the logs of the previous instance of the container (before its last restart)
      --tail N           only the last N lines (default -1: all)
      --timestamps       prefix every line with its RFC 3339 time
  -n, --namespace NS     the pod's namespace (default: the kubeconfig context's, else "default")
      --kubeconfig FILE  kubeconfig (default: KUBECONFIG, ~/.kube/config, or in-cluster)
      --context NAME     kubeconfig context (default: the current one)
`;
}

/** Prints the logs; resolves to the exit code (0, or the interrupt's after Ctrl-C). Throws TargetError, ApiException, DockerError. */
export async function runLogs(args: LogsArgs, env: CommandEnv): Promise<number> {
  const { pod, engine } = await env.resolve(args);
  const container = selectContainer(pod, args.container);
  const instances = await engine.listContainers(instanceLabels(pod, container), env.signal);
  const instance = pickInstance(instances, args.previous ? 'previous' : 'current');
  if (!instance) throw new TargetError(args.previous ? noPreviousMessage(pod, container) : notStartedMessage(pod, container));
  const output = await engine.logs(instance.id, { follow: args.follow, tail: args.tail, timestamps: args.timestamps, signal: env.signal });
  await pumpOutput(output, env.stdout, env.stderr, env.signal);
  return env.signal.aborted ? env.interruptedCode() : 0;
}
