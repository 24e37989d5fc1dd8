/** `dockerpod operator`: the controller against a Kubernetes API server (in-cluster or a kubeconfig). */
import { KubeConfig } from '@kubernetes/client-node';
import { flagHelp, parseFlags, UsageError } from './flags.js';
import { leaderElectionConfig } from './leadership.js';
import { OPERATOR_FLAGS } from './operator-flags.js';
import { checkBindAddresses, exitIfStuck, exitSoon, loggerFrom, runOperator, shutdownSignal } from './run-operator.js';

/** Help text of the command. */
export const OPERATOR_HELP = `  operator    Run the DockerPod controller against a Kubernetes API server\n${flagHelp(OPERATOR_FLAGS, '                ')}`;

/** Loads the kubeconfig: the flag's file, else in-cluster or KUBECONFIG or ~/.kube/config. */
export function loadKubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  if (path && !path.includes(':')) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

/** --host-selector takes equality terms only (`k=v,k=v`): the operator derives its partition and its implicit host's labels from them. */
export function checkHostSelector(selector: string): void {
  if (selector === '') return;
  const bad = selector.split(',').map((t) => t.trim()).filter((t) => !/^[A-Za-z0-9][-A-Za-z0-9_./]*=[-A-Za-z0-9_.]*$/.test(t));
  if (bad.length > 0) throw new UsageError(`--host-selector: "${bad.join('", "')}" is not key=value (only equality terms, k=v,k=v)`);
}

/**
 * The `operator` command: exit 0 after a clean shutdown, 1 when the lease was lost, passes outlived
 * the graceful shutdown timeout or a server could not bind, 2 for usage errors.
 */
export async function operatorCommand(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parseFlags(OPERATOR_FLAGS, args);
    checkHostSelector(String(flags['host-selector']));
    checkBindAddresses(flags);
    leaderElectionConfig(flags);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`dockerpod operator: ${err.message}\n`);
    return 2;
  }
  const logger = loggerFrom(flags);
  const outcome = await runOperator(loadKubeConfig(String(flags['kubeconfig'])), flags, logger, { signal: shutdownSignal() });
  if (outcome.exitNow) exitSoon(outcome.code);
  else exitIfStuck(outcome.code);
  return outcome.code;
}
