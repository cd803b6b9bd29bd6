import { artifactsCommands } from './artifactsCommands';
import type { CliCommand } from './cliCommand';
import { experimentsListCommand } from './experimentsCommand';
import { modelsListCommand } from './modelsCommand';
import { modelsRegistryCommands } from './modelsRegistryCommands';
import { newCommand } from './newCommand';
import { runCommand } from './runCommand';
import { runsListCommand } from './runsCommand';
import { runsBoxPlotCommand } from './runsBoxPlotCommand';
import { runsDiffCommand } from './runsDiffCommand';
import { runsHistoryCommand } from './runsHistoryCommand';
import { runsImagesCommand } from './runsImagesCommand';
import { runsTableCommand } from './runsTableCommand';
import { servingEndpointsCommands } from './servingEndpointsCommands';
import { transitionRequestsCommands } from './transitionRequestsCommands';
import { validateCommand } from './validateCommand';
import { versionCommand } from './versionCommand';

/** Every CLI sub-command, in the order `--help` lists them. Add new ones here. */
export const cliCommands: CliCommand[] = [
  newCommand,
  validateCommand,
  runCommand,
  experimentsListCommand,
  runsListCommand,
  runsTableCommand,
  runsDiffCommand,
  runsImagesCommand,
  runsHistoryCommand,
  runsBoxPlotCommand,
  ...artifactsCommands,
  modelsListCommand,
  ...modelsRegistryCommands,
  ...transitionRequestsCommands,
  ...servingEndpointsCommands,
  versionCommand,
];
