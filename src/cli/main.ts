import { runCliCommand, type CliCommand } from './cliCommand';
import { versionCommand } from './versionCommand';

/** Every CLI sub-command, in the order `--help` lists them. Add new ones here. */
const commands: CliCommand[] = [versionCommand];

runCliCommand(commands, process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mlflow-wb: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
