// `mlflow-wb runs history`: a metric's history, or a y-axis expression over metrics (the compare
// panel's "Y expression"), per run and step, on the same engine (loadHistories, metricExpression).
import { toHistoryColumns } from '../engine/compare/historyColumns';
import { loadHistories } from '../engine/compare/loadHistories';
import { expressionSeries, MetricExpressionError, parseMetricExpression, type MetricExpression } from '../engine/compare/metricExpression';
import { fetchRuns } from '../engine/compare/runSelection';
import { CliInputError, CliUsageError, defineCommand } from './cliCommand';
import { formatTable } from './textTable';
import { connect, FORMAT_OPTION, TRACKING_URI_OPTION } from './trackingOptions';

export const runsHistoryCommand = defineCommand({
  name: 'runs history',
  summary: "A metric's history per run and step, or an expression over metrics (val_loss - train_loss) as the compare panel charts it.",
  options: {
    metric: { type: 'string', value: 'KEY', description: 'the metric' },
    expr: {
      type: 'string',
      value: 'EXPRESSION',
      description: 'an expression over metrics instead: names (quote others: "val/loss"), numbers, + - * / **, ( ), abs log log10 exp sqrt min max',
    },
    'tracking-uri': TRACKING_URI_OPTION,
    format: FORMAT_OPTION,
  },
  positionals: { name: 'RUN_ID', description: 'the runs (at least one)' },
  notes: 'Give --metric or --expr. An expression is computed at the steps of its first metric, the others interpolated between their logged steps.',
  async run({ values, positionals, io }) {
    if (positionals.length === 0) throw new CliUsageError('give at least one run id');
    if ((values.metric === undefined) === (values.expr === undefined)) throw new CliUsageError('give --metric KEY or --expr EXPRESSION (one of them)');
    let expression: MetricExpression;
    try {
      expression = parseMetricExpression(values.expr ?? JSON.stringify(values.metric));
    } catch (err) {
      if (err instanceof MetricExpressionError) throw new CliUsageError(`--expr: ${err.message}`);
      throw err;
    }
    const { client, tracking } = await connect(values['tracking-uri']);
    const fetched = await fetchRuns(client, positionals);
    if (fetched.missing.length > 0) throw new CliInputError(`no run ${fetched.missing.join(', ')} at ${tracking.label}`);
    const runIds = fetched.runs.map((r) => r.info.run_id);
    // Full histories: a report, not a chart.
    const loaded = await loadHistories(client, runIds, expression.metrics, { maxPoints: Number.MAX_SAFE_INTEGER, exact: true });
    for (const e of loaded.errors) io.err(`history of ${e.metricKey}${e.runId ? ` (run ${e.runId})` : ''} not loaded: ${e.message}`);
    const columns = loaded.series.map((s) => ({ runId: s.runId, metricKey: s.metricKey, sampled: false, ...toHistoryColumns(s.points) }));
    const series = expressionSeries(expression, (key) => columns.filter((c) => c.metricKey === key), runIds) ?? [];
    const label = values.expr === undefined ? values.metric! : expression.text;
    if (values.format === 'json') {
      io.out(
        JSON.stringify(
          series.map((s) => ({
            runId: s.runId,
            [values.expr === undefined ? 'metric' : 'expression']: label,
            steps: [...s.steps],
            timestamps: [...s.timestamps],
            values: [...s.values].map((v) => (Number.isFinite(v) ? v : null)),
          })),
          null,
          2,
        ),
      );
      return;
    }
    const rows = series.flatMap((s) => [...s.steps].map((step, i) => [s.runId, String(step), Number.isFinite(s.values[i]) ? String(s.values[i]) : '-']));
    if (rows.length === 0) {
      io.out(`No values of ${label} for these runs.`);
      return;
    }
    io.out(formatTable(['RUN', 'STEP', label.toUpperCase()], rows));
  },
});
