import { cliCommands } from './allCommands';
import { runCliCommand } from './cliCommand';

runCliCommand(cliCommands, process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mlflow-wb: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
