#!/usr/bin/env node
/**
 * `kubectl-dockerpod`, the kubectl plugin: on PATH, `kubectl dockerpod logs ...` and
 * `kubectl dockerpod exec ...` run the same commands as `dockerpod logs` and `dockerpod exec`
 * (kubectl passes its environment, KUBECONFIG included, and every argument after the plugin's
 * name; its own flags cannot come before the plugin name).
 */
import { execCommand, logsCommand, POD_COMMANDS_HELP } from './pod-commands.js';
import { VERSION } from '../version.js';
import { runProgram, type Command } from './dispatch.js';

const PROGRAM = 'kubectl dockerpod';

const USAGE = `Usage: ${PROGRAM} <command> [flags]

Logs and exec for DockerPods, read from the Docker engine each pod runs on.

Commands:
${POD_COMMANDS_HELP}
  version     Print the version
  help        Print this help
`;

const COMMANDS: Record<string, Command> = {
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

await runProgram(PROGRAM, USAGE, COMMANDS, process.argv.slice(2));
