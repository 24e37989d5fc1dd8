#!/usr/bin/env node
/**
 * The `dockerpod` command. Each subcommand is a function returning an exit code, so the entry
 * point stays a dispatcher; unknown commands and flags exit 2 with usage, as CLIs conventionally do.
 */
import { renderCrdStream } from '../api/v1alpha1/render.js';
import { operatorCommand, OPERATOR_HELP } from './operator.js';
import { execCommand, logsCommand, POD_COMMANDS_HELP } from './pod-commands.js';
import { standaloneCommand, STANDALONE_HELP } from './standalone.js';
import { VERSION } from '../version.js';
import { runProgram, type Command } from './dispatch.js';

const USAGE = `Usage: dockerpod <command> [flags]

Commands:
${STANDALONE_HELP}
${OPERATOR_HELP}
${POD_COMMANDS_HELP}
  crds        Print the CustomResourceDefinitions as YAML, e.g. dockerpod crds | kubectl apply -f -
  version     Print the version
  help        Print this help
`;

const COMMANDS: Record<string, Command> = {
  standalone: standaloneCommand,
  operator: operatorCommand,
  logs: (args) => logsCommand(args),
  exec: (args) => execCommand(args),
  crds: () => {
    process.stdout.write(renderCrdStream());
    return 0;
  },
  version: () => {
    process.stdout.write(`dockerpod-operator ${VERSION}\n`);
    return 0;
  },
  help: () => {
    process.stdout.write(USAGE);
    return 0;
  },
};

await runProgram('dockerpod', USAGE, COMMANDS, process.argv.slice(2));
