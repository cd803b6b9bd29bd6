import { collectAll } from '../engine/mlflow/mlflowRestClient';
import type { CliCommand } from './cliCommand';
import { connect, formatTable, isoTime, oneFlag, outputFormat, parseFlags, runListCommand } from './experimentsCommand';

export const modelsListCommand: CliCommand = {
  name: 'models list',
  summary: 'List registered models with their latest versions and aliases.',
  usage: 'models list [--tracking-uri URI] [--filter "name LIKE \'churn%\'"] [--format text|json]',
  async run(args, io) {
    return runListCommand(modelsListCommand, io, async () => {
      const flags = parseFlags(args, { 'tracking-uri': 'string', filter: 'string', format: 'string' });
      const format = outputFormat(flags);
      const { client } = connect(flags);
      const models = await collectAll((pageToken) =>
        client.searchRegisteredModels({ filter: oneFlag(flags, 'filter'), pageToken, orderBy: ['name ASC'] }),
      );
      if (format === 'json') {
        io.out(JSON.stringify(models, null, 2));
        return;
      }
      io.out(
        formatTable(
          ['NAME', 'LATEST', 'ALIASES', 'UPDATED'],
          models.map((m) => [
            m.name,
            (m.latest_versions ?? [])
              .map((v) => (v.current_stage && v.current_stage !== 'None' ? `v${v.version} (${v.current_stage})` : `v${v.version}`))
              .join(', '),
            (m.aliases ?? []).map((a) => `@${a.alias}=v${a.version}`).join(' '),
            isoTime(m.last_updated_timestamp),
          ]),
        ),
      );
    });
  },
};
