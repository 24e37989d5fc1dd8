/**
 * The entry point shared by `dockerpod` and `kubectl-dockerpod`: the first argument names a
 * command (`-h`/`--help` and `--version` are aliases), an unknown one exits 2 with the usage on
 * stderr, and a closed stdout pipe (`... | head`) ends the process quietly, as CLIs do.
 */

/** A subcommand: its arguments in, its exit code out. */
export type Command = (args: string[]) => number | Promise<number>;

/** Runs the command `argv` names and sets the process's exit code from it. */
export async function runProgram(program: string, usage: string, commands: Readonly<Record<string, Command>>, argv: string[]): Promise<void> {
  // A closed pipe is the reader's choice, not a failure.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
  const [name = 'help', ...rest] = argv;
  const alias = name === '--help' || name === '-h' ? 'help' : name === '--version' ? 'version' : name;
  const command = commands[alias];
  if (!command) {
    process.stderr.write(`${program}: unknown command "${name}"\n\n${usage}`);
    process.exitCode = 2;
    return;
  }
  process.exitCode = await command(rest);
}
