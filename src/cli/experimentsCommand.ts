import { collectAll } from '../engine/mlflow/mlflowRestClient';
import { defineCommand } from './cliCommand';
import { isoTime, printList } from './textTable';
import { connect, FORMAT_OPTION, TRACKING_URI_OPTION, VIEW_OPTION, viewType } from './trackingOptions';

export const experimentsListCommand = defineCommand({
  name: 'experiments list',
  summary: 'List the experiments of a tracking server.',
  options: {
    'tracking-uri': TRACKING_URI_OPTION,
    filter: { type: 'string', value: '"name LIKE \'x%\'"', description: 'MLflow search filter' },
    view: VIEW_OPTION,
    format: FORMAT_OPTION,
  },
  async run({ values, io }) {
    const { client } = await connect(values['tracking-uri']);
    const experiments = await collectAll((pageToken) =>
      client.searchExperiments({ filter: values.filter, viewType: viewType(values.view), pageToken, orderBy: ['name ASC'] }),
    );
    printList(io, values.format, experiments, {
      header: ['ID', 'NAME', 'STAGE', 'UPDATED'],
      row: (e) => [e.experiment_id, e.name, e.lifecycle_stage, isoTime(e.last_update_time)],
    });
  },
});
