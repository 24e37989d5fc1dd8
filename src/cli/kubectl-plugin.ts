#!/usr/bin/env node
/**
 * `kubectl-dockerpod`, the kubectl plugin: on PATH, `kubectl dockerpod logs ...` and
 * `kubectl dockerpod exec ...` run the same commands as `dockerpod logs` and `dockerpod exec`
 * (kubectl passes its environment, KUBECONFIG included, and every argument after the plugin's
 * name; its own flags cannot come before the plugin name).
 */
import { execCommand, logsCommand, POD_COMMANDS_HELP } from './pod-commands.js';
import { VERSION } from '../version.js';

const PROGRAM = 'kubectl dockerpod';

const USAGE = `Usage: ${PROGRAM} <command> [flags]

Logs and exec for DockerPods, read from the Docker engine each pod runs on.

Commands:
${POD_COMMANDS_HELP}
  version     Print the version
  help        Print this help
`;

const COMMANDS: Record<string, (args: string[]) => number | Promise<number>> = {
  logs: (args) => logsCommand(args, PROGRAM),
  exec: (args) => execCommand(args, PROGRAM),
  version: () => {
    process.stdout.write(`kubectl-dockerpod (dockerpod-operator ${VERSION})\n`);
    return 0;
  },
  help: () => {
    process.stdout.write(USAGE);
    return 0;
  },
};

async function main(argv: string[]): Promise<number> {
  const [name = 'help', ...rest] = argv;
  const alias = name === '--help' || name === '-h' ? 'help' : name === '--version' ? 'version' : name;
  const command = COMMANDS[alias];
  if (!command) {
    process.stderr.write(`${PROGRAM}: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  return await command(rest);
}

// A closed pipe (`kubectl dockerpod logs web | head`) is the reader's choice, not a failure.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});
process.exitCode = await main(process.argv.slice(2));
