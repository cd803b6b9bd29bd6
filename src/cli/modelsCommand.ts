import { collectAll } from '../engine/mlflow/mlflowRestClient';
import { defineCommand } from './cliCommand';
import { isoTime, printList } from './textTable';
import { connect, FORMAT_OPTION, TRACKING_URI_OPTION } from './trackingOptions';

export const modelsListCommand = defineCommand({
  name: 'models list',
  summary: 'List registered models with their latest versions and aliases.',
  options: {
    'tracking-uri': TRACKING_URI_OPTION,
    filter: { type: 'string', value: '"name LIKE \'churn%\'"', description: 'MLflow search filter' },
    format: FORMAT_OPTION,
  },
  async run({ values, io }) {
    const { client } = await connect(values['tracking-uri']);
    const models = await collectAll((pageToken) => client.searchRegisteredModels({ filter: values.filter, pageToken, orderBy: ['name ASC'] }));
    printList(io, values.format, models, {
      header: ['NAME', 'LATEST', 'ALIASES', 'UPDATED'],
      row: (m) => [
        m.name,
        (m.latest_versions ?? [])
          .map((v) => (v.current_stage && v.current_stage !== 'None' ? `v${v.version} (${v.current_stage})` : `v${v.version}`))
          .join(', '),
        (m.aliases ?? []).map((a) => `@${a.alias}=v${a.version}`).join(' '),
        isoTime(m.last_updated_timestamp),
      ],
    });
  },
});
