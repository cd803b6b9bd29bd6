import { groupRuns } from '../engine/runsTable/runGroups';
import { columnFromId, compileOrderBy, compileTableFilter, type ColumnFilter, type FilterOp, type SortKey } from '../engine/runsTable/runsSearchExpression';
import { ColumnDiscovery, type RunsTableColumn } from '../engine/runsTable/runsTableColumns';
import { runsTableToCsv } from '../engine/runsTable/runsTableCsv';
import { RunsTablePager } from '../engine/runsTable/runsTablePager';
import { CliInputError, CliUsageError, defineCommand } from './cliCommand';
import { connect, TRACKING_URI_OPTION, VIEW_OPTION, viewType } from './trackingOptions';

const OPS: FilterOp[] = ['<=', '>=', '!=', '<', '>', '='];

/** `metrics.val_loss<0.3`, `params.lr=0.01`, `params.model~mlp` (contains): a column filter of the table. */
function parseWhere(text: string): ColumnFilter {
  const contains = /^([^~]+)~(.*)$/.exec(text);
  if (contains) return { columnId: contains[1].trim(), op: 'contains', value: contains[2] };
  for (const op of OPS) {
    const at = text.indexOf(op);
    if (at > 0) return { columnId: text.slice(0, at).trim(), op, value: text.slice(at + op.length) };
  }
  throw new CliUsageError(`--where '${text}': write COLUMN OP VALUE with OP one of ${OPS.join(' ')} or ~ (contains), e.g. metrics.val_loss<0.3`);
}

/** `metrics.val_loss:desc` or `params.lr`. */
function parseSort(text: string): SortKey {
  const match = /^(.+?)(?::(asc|desc))?$/i.exec(text.trim());
  return { columnId: match![1], descending: match![2]?.toLowerCase() === 'desc' };
}

export const runsTableCommand = defineCommand({
  name: 'runs table',
  summary: 'The runs table of the editor, headless: every param/metric/tag as a column, filtered and sorted by the server, as CSV or JSON.',
  options: {
    experiment: { type: 'string', value: 'NAME', required: true, multiple: true, description: 'the experiment (repeat for several)' },
    'tracking-uri': TRACKING_URI_OPTION,
    filter: { type: 'string', value: '"metrics.rmse < 1"', description: 'MLflow search filter, taken as is' },
    parent: {
      type: 'string',
      value: 'RUN_ID',
      description: "only the child runs of this run (nested runs: MLflow's mlflow.parentRunId tag), as the editor's table shows them under an expanded parent",
    },
    where: {
      type: 'string',
      value: 'COLUMN<OP>VALUE',
      multiple: true,
      description: "column filter compiled to MLflow's syntax, e.g. metrics.val_loss<0.3, params.lr=0.01, params.model~mlp",
    },
    sort: { type: 'string', value: 'COLUMN[:desc]', multiple: true, description: 'server-side sort key, e.g. metrics.val_loss:desc (repeatable)' },
    columns: { type: 'string', value: 'ID,ID', description: 'columns to write (default: all found)' },
    'group-by': { type: 'string', value: 'params.KEY|tags.KEY', description: 'one line per value with the count and min/mean/max of each metric' },
    max: { type: 'string', value: 'N', default: '1000', description: 'at most N runs' },
    view: VIEW_OPTION,
    format: { type: 'string', choices: ['csv', 'json'], default: 'csv', description: 'output format' },
  },
  async run({ values, io }) {
    const max = Number(values.max);
    if (!(Number.isInteger(max) && max >= 1)) throw new CliUsageError(`--max must be a positive whole number, not '${values.max}'`);
    const { client, tracking } = await connect(values['tracking-uri']);
    const experimentIds: string[] = [];
    for (const name of values.experiment) {
      const experiment = await client.getExperimentByName(name);
      if (!experiment) throw new CliInputError(`no experiment named '${name}' at ${tracking.label} (see: mlflow-wb experiments list)`);
      experimentIds.push(experiment.experiment_id);
    }
    const { filter, errors } = compileTableFilter([], {
      expression: values.filter,
      columnFilters: values.where.map(parseWhere),
      parentRunId: values.parent?.trim() || undefined,
    });
    const order = compileOrderBy([], values.sort.map(parseSort));
    const problems = Object.values({ ...errors, ...order.errors });
    if (problems.length) throw new CliUsageError(problems.join('\n'));
    const pager = new RunsTablePager(
      client,
      { experimentIds, filter, orderBy: order.orderBy, pageSize: Math.min(1000, max), runViewType: viewType(values.view) },
      2,
    );
    const { rows, truncated } = await pager.all(max);
    const discovery = new ColumnDiscovery();
    discovery.add(rows);
    const all = discovery.columns(experimentIds.length > 1);
    let columns: RunsTableColumn[] = all;
    if (values.columns) {
      columns = values.columns.split(',').map((id) => {
        const column = all.find((c) => c.id === id.trim()) ?? columnFromId(id.trim());
        if (!column) throw new CliUsageError(`--columns: no column '${id}'; columns look like attributes.status, metrics.rmse, params.lr, tags.team`);
        return column;
      });
    }
    if (values['group-by']) {
      const by = all.find((c) => c.id === values['group-by']) ?? columnFromId(values['group-by']);
      if (!by || (by.kind !== 'param' && by.kind !== 'tag')) throw new CliUsageError(`--group-by takes params.KEY or tags.KEY, not '${values['group-by']}'`);
      const metricKeys = all.filter((c) => c.kind === 'metric').map((c) => c.key);
      const groups = groupRuns(rows, by, metricKeys, 0).map((g) => ({ value: g.value ?? null, count: g.count, metrics: g.metrics }));
      io.out(JSON.stringify(groups, null, 2));
    } else if (values.format === 'json') io.out(JSON.stringify({ filter, orderBy: order.orderBy, columns, rows }, null, 2));
    else io.out(runsTableToCsv(columns, rows).replace(/\r\n$/, ''));
    if (truncated) io.err(`more runs match: only the first ${rows.length} were written (--max ${max}).`);
  },
});
