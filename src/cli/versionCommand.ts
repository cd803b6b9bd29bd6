import { defineCommand } from './cliCommand';

declare const __EXTENSION_VERSION__: string | undefined;

export const versionCommand = defineCommand({
  name: 'version',
  summary: 'Print the version of mlflow-wb.',
  options: {},
  async run({ io }) {
    io.out(typeof __EXTENSION_VERSION__ === 'string' ? __EXTENSION_VERSION__ : 'development');
  },
});
