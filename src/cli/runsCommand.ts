import type { MlflowRun } from '../engine/mlflow/mlflowTypes';
import { CliInputError, CliUsageError, defineCommand } from './cliCommand';
import { formatTable, isoTime } from './textTable';
import { connect, FORMAT_OPTION, TRACKING_URI_OPTION, VIEW_OPTION, viewType } from './trackingOptions';

const DEFAULT_MAX = 100;
/** Past --max, runs are only counted, up to this many, to say how many were left out. */
const COUNT_BEYOND = 10_000;

export const runsListCommand = defineCommand({
  name: 'runs list',
  summary: 'List the runs of an experiment, newest first (MLflow search syntax for --filter and --order-by).',
  options: {
    experiment: { type: 'string', value: 'NAME', required: true, description: 'the experiment' },
    'tracking-uri': TRACKING_URI_OPTION,
    filter: { type: 'string', value: '"metrics.rmse < 1"', description: 'MLflow search filter' },
    'order-by': { type: 'string', value: '"metrics.rmse ASC"', multiple: true, description: 'sort order (default attributes.start_time DESC)' },
    max: { type: 'string', value: 'N', default: String(DEFAULT_MAX), description: 'list at most N runs' },
    all: { type: 'boolean', description: 'list every run (no --max)' },
    view: VIEW_OPTION,
    format: FORMAT_OPTION,
  },
  async run({ values, io }) {
    const max = values.all ? Infinity : Number(values.max);
    if (values.all && values.max !== String(DEFAULT_MAX)) throw new CliUsageError('give --max N or --all, not both');
    if (!values.all && !(Number.isInteger(max) && max >= 1)) throw new CliUsageError(`--max must be a positive whole number, not '${values.max}'`);
    const { client, tracking } = await connect(values['tracking-uri']);
    const experiment = await client.getExperimentByName(values.experiment);
    if (!experiment) throw new CliInputError(`no experiment named '${values.experiment}' at ${tracking.label} (see: mlflow-wb experiments list)`);
    const runs: MlflowRun[] = [];
    let more = 0;
    let pageToken: string | undefined;
    do {
      const page = await client.searchRuns({
        experimentIds: [experiment.experiment_id],
        filter: values.filter,
        orderBy: values['order-by'].length ? values['order-by'] : ['attributes.start_time DESC'],
        runViewType: viewType(values.view),
        maxResults: runs.length < max ? Math.min(1000, max - runs.length + 1) : 1000,
        pageToken,
      });
      const room = Math.max(0, max - runs.length);
      runs.push(...page.items.slice(0, room));
      more += Math.max(0, page.items.length - room);
      pageToken = page.nextPageToken;
    } while (pageToken && more < COUNT_BEYOND);
    if (values.format === 'json') io.out(JSON.stringify(runs, null, 2));
    else {
      io.out(
        formatTable(
          ['RUN ID', 'NAME', 'STATUS', 'STARTED', 'PARENT', 'METRICS'],
          runs.map((r) => [r.info.run_id, r.info.run_name ?? '', r.info.status, isoTime(r.info.start_time), parentOf(r), metricSummary(r)]),
        ),
      );
    }
    if (more > 0) {
      const count = pageToken ? `more than ${more}` : String(more);
      const next = pageToken ? '' : ` --max ${runs.length + more} or`;
      io.err(`${count} more run(s) not listed (--max ${runs.length}): use${next} --all to list them.`);
    }
  },
});

function parentOf(run: MlflowRun): string {
  return run.data.tags?.find((t) => t.key === 'mlflow.parentRunId')?.value ?? '';
}

function metricSummary(run: MlflowRun): string {
  return (run.data.metrics ?? [])
    .slice(0, 4)
    .map(
      (m) =>
        `${m.key}=${Number(m.value)
          .toPrecision(4)
          .replace(/\.?0+$/, '')}`,
    )
    .join(' ');
}
