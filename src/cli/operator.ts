/** `dockerpod operator`: the controller against a Kubernetes API server (in-cluster or a kubeconfig). */
import { KubeConfig } from '@kubernetes/client-node';
import { flagHelp, parseFlags, UsageError } from './flags.js';
import { OPERATOR_FLAGS } from './operator-flags.js';
import { loggerFrom, runOperator, shutdownSignal } from './run-operator.js';

/** Help text of the command. */
export const OPERATOR_HELP = `  operator    Run the DockerPod controller against a Kubernetes API server\n${flagHelp(OPERATOR_FLAGS, '                ')}`;

/** Loads the kubeconfig: the flag's file, else in-cluster or KUBECONFIG or ~/.kube/config. */
export function loadKubeConfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  if (path && !path.includes(':')) kc.loadFromFile(path);
  else kc.loadFromDefault();
  return kc;
}

/** The `operator` command. */
export async function operatorCommand(args: string[]): Promise<number> {
  let flags;
  try {
    flags = parseFlags(OPERATOR_FLAGS, args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`dockerpod operator: ${err.message}\n`);
    return 2;
  }
  const logger = loggerFrom(flags);
  await runOperator(loadKubeConfig(String(flags['kubeconfig'])), flags, logger, { signal: shutdownSignal() });
  return 0;
}
