import { artifactsCommands } from './artifactsCommands';
import { runCliCommand, type CliCommand } from './cliCommand';
import { experimentsListCommand } from './experimentsCommand';
import { modelsListCommand } from './modelsCommand';
import { modelsRegistryCommands } from './modelsRegistryCommands';
import { newCommand } from './newCommand';
import { runCommand } from './runCommand';
import { runsListCommand } from './runsCommand';
import { servingEndpointsCommands } from './servingEndpointsCommands';
import { transitionRequestsCommands } from './transitionRequestsCommands';
import { validateCommand } from './validateCommand';
import { versionCommand } from './versionCommand';

/** Every CLI sub-command, in the order `--help` lists them. Add new ones here. */
const commands: CliCommand[] = [newCommand, validateCommand, runCommand, experimentsListCommand, runsListCommand, ...artifactsCommands, modelsListCommand, ...modelsRegistryCommands, ...transitionRequestsCommands, ...servingEndpointsCommands, versionCommand];

runCliCommand(commands, process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mlflow-wb: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
