import { collectAll } from '../engine/mlflow/mlflowRestClient';
import type { MlflowRun } from '../engine/mlflow/mlflowTypes';
import type { CliCommand } from './cliCommand';
import { CliUsageError, connect, formatTable, isoTime, oneFlag, outputFormat, parseFlags, runListCommand, viewType } from './experimentsCommand';

const DEFAULT_MAX = 100;

export const runsListCommand: CliCommand = {
  name: 'runs list',
  summary: 'List the runs of an experiment, newest first (MLflow search syntax for --filter and --order-by).',
  usage:
    'runs list --experiment NAME [--tracking-uri URI] [--filter "metrics.rmse < 1"] [--order-by "metrics.rmse ASC"]... ' +
    `[--max N (default ${DEFAULT_MAX})] [--view active|deleted|all] [--format text|json]`,
  async run(args, io) {
    return runListCommand(runsListCommand, io, async () => {
      const flags = parseFlags(args, {
        'tracking-uri': 'string',
        experiment: 'string',
        filter: 'string',
        'order-by': 'multi',
        max: 'string',
        view: 'string',
        format: 'string',
      });
      const experimentName = oneFlag(flags, 'experiment');
      if (!experimentName) throw new CliUsageError('--experiment NAME is required');
      const maxText = oneFlag(flags, 'max') ?? String(DEFAULT_MAX);
      const max = Number(maxText);
      if (!Number.isInteger(max) || max < 1) throw new CliUsageError(`--max must be a positive whole number, not '${maxText}'`);
      const format = outputFormat(flags);
      const runViewType = viewType(flags);
      const { client, tracking } = connect(flags);
      const experiment = await client.getExperimentByName(experimentName);
      if (!experiment) {
        throw new CliUsageError(`no experiment named '${experimentName}' at ${tracking.label} (see: mlflow-wb experiments list)`);
      }
      const runs = await collectAll(
        (pageToken) =>
          client.searchRuns({
            experimentIds: [experiment.experiment_id],
            filter: oneFlag(flags, 'filter'),
            orderBy: flags.get('order-by') ?? ['attributes.start_time DESC'],
            runViewType,
            maxResults: Math.min(1000, max),
            pageToken,
          }),
        max,
      );
      if (format === 'json') {
        io.out(JSON.stringify(runs, null, 2));
        return;
      }
      io.out(
        formatTable(
          ['RUN ID', 'NAME', 'STATUS', 'STARTED', 'PARENT', 'METRICS'],
          runs.map((r) => [r.info.run_id, r.info.run_name ?? '', r.info.status, isoTime(r.info.start_time), parentOf(r), metricSummary(r)]),
        ),
      );
    });
  },
};

function parentOf(run: MlflowRun): string {
  return run.data.tags?.find((t) => t.key === 'mlflow.parentRunId')?.value ?? '';
}

function metricSummary(run: MlflowRun): string {
  return (run.data.metrics ?? [])
    .slice(0, 4)
    .map((m) => `${m.key}=${Number(m.value).toPrecision(4).replace(/\.?0+$/, '')}`)
    .join(' ');
}
