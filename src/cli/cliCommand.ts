/** One sub-command of the `mlflow-wb` CLI. */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  /** Returns the process exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const stdio: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : text + '\n'),
};

export function helpText(commands: CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'mlflow-wb: MLflow Workbench on the command line (the same engine as the VS Code extension)',
    '',
    'Usage: mlflow-wb <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'mlflow-wb <command> --help' for a command's options.",
  ].join('\n');
}

export async function runCliCommand(commands: CliCommand[], argv: string[], io: CliIo = stdio): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText(commands));
    return name ? 0 : 2;
  }
  // Commands of several words ("runs list", "models requests list") are looked up longest first.
  let command: CliCommand | undefined;
  let args = rest;
  for (let words = Math.min(2, rest.length); words >= 0 && !command; words--) {
    const full = [name, ...rest.slice(0, words)].join(' ');
    command = commands.find((c) => c.name === full);
    if (command) args = rest.slice(words);
  }
  if (!command) {
    io.err(`mlflow-wb: unknown command '${name}'.\n\n${helpText(commands)}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(`Usage: mlflow-wb ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  return command.run(args, io);
}
