import type { CliCommand } from './cliCommand';

declare const __EXTENSION_VERSION__: string | undefined;

export const versionCommand: CliCommand = {
  name: 'version',
  summary: 'Print the version of mlflow-wb.',
  usage: 'version',
  async run(_args, io) {
    io.out(typeof __EXTENSION_VERSION__ === 'string' ? __EXTENSION_VERSION__ : 'development');
    return 0;
  },
};
