// `mlflow-wb runs box-plot`: the figures of the compare panel's box plot headless (a metric's latest
// values per group of a param or tag), on the same engine (fetchRuns, compareRuns, groupBoxes, boxStats).
import { compareRuns } from '../engine/compare/compareRuns';
import { groupBoxes, type GroupBox } from '../engine/compare/runGroups';
import { fetchRuns } from '../engine/compare/runSelection';
import { columnFromId } from '../engine/runsTable/runsSearchExpression';
import { didYouMean } from '../engine/validation/didYouMean';
import { CliInputError, CliUsageError, defineCommand } from './cliCommand';
import { formatTable } from './textTable';
import { connect, FORMAT_OPTION, TRACKING_URI_OPTION } from './trackingOptions';

/** At most this many keys are named when a metric or group key is not found. */
const KEYS_SHOWN = 20;

export const runsBoxPlotCommand = defineCommand({
  name: 'runs box-plot',
  summary: "The compare panel's box plot as figures: per group of a param or tag, n, quartiles, whiskers and outliers of a metric's latest values.",
  options: {
    'group-by': { type: 'string', value: 'params.KEY|tags.KEY', required: true, description: 'one group per value of this param or tag' },
    metric: { type: 'string', value: 'KEY', required: true, description: "the metric (each run's latest value)" },
    'tracking-uri': TRACKING_URI_OPTION,
    format: FORMAT_OPTION,
  },
  positionals: { name: 'RUN_ID', description: 'the runs (at least one)' },
  notes:
    'Quartiles by linear interpolation between closest ranks (numpy and R default); whiskers at the furthest values within 1.5 IQR of the box; ' +
    'outliers beyond them, with their runs. Groups in the order of their first run given, the runs without the key last (KEY: none). ' +
    'Runs without the metric, or whose latest value is NaN or infinite, are counted in RUNS but not in N, and named on stderr.',
  async run({ values, positionals, io }) {
    const runIds = [...new Set(positionals)];
    if (runIds.length === 0) throw new CliUsageError('give at least one run id');
    const groupBy = values['group-by'];
    const column = columnFromId(groupBy);
    if (!column || (column.kind !== 'param' && column.kind !== 'tag')) throw new CliUsageError(`--group-by takes params.KEY or tags.KEY, not '${groupBy}'`);
    const { client, tracking } = await connect(values['tracking-uri']);
    const fetched = await fetchRuns(client, runIds);
    if (fetched.missing.length > 0) throw new CliInputError(`no run ${fetched.missing.join(', ')} at ${tracking.label}`);
    // Every tag counts here, the ones the panel's table hides too (tags.mlflow.runName).
    const comparison = compareRuns(fetched.runs, { hiddenTags: [] });
    const one = runIds.length === 1;
    const noneHas = (thing: string) =>
      one ? `run ${runIds[0]} at ${tracking.label} has no ${thing}` : `none of the ${runIds.length} runs at ${tracking.label} has ${thing}`;
    const metricKeys = comparison.metrics.map((m) => m.key);
    if (!metricKeys.includes(values.metric)) {
      throw new CliInputError(
        `--metric ${values.metric}: ${noneHas(`metric ${values.metric}`)}${hint(values.metric, metricKeys, one ? 'its metrics' : 'their metrics')}`,
      );
    }
    const groupKeys = (column.kind === 'param' ? comparison.params : comparison.tags).map((r) => r.key);
    if (!groupKeys.includes(column.key)) {
      const kinds = `${column.kind}s`;
      const owned = one ? `its ${kinds}` : `their ${kinds}`;
      throw new CliInputError(`--group-by ${groupBy}: ${noneHas(`${column.kind} ${column.key}`)}${hint(column.key, groupKeys, owned, `${kinds}.`)}`);
    }
    const boxes = groupBoxes(comparison, `${column.kind}:${column.key}`, values.metric);
    const latest = comparison.metrics.find((m) => m.key === values.metric)!.latest;
    const idOf = (i: number) => comparison.runs[i].runId;
    if (values.format === 'json') {
      const groups = boxes.map((b) => jsonGroup(b, idOf, latest));
      io.out(JSON.stringify({ metric: values.metric, groupBy, runs: comparison.runs.length, groups }, null, 2));
      return;
    }
    for (const b of boxes) {
      if (b.withoutMetric.length > 0) io.err(`${b.label}: no ${values.metric} in run ${b.withoutMetric.map(idOf).join(', ')}`);
      for (const i of b.notFinite) io.err(`${b.label}: ${values.metric} is ${latest[i]} in run ${idOf(i)}, left out of the box`);
    }
    const shown = (v: number | undefined) => (v === undefined ? '-' : String(v));
    io.out(
      formatTable(
        ['GROUP', 'RUNS', 'N', 'MIN', 'Q1', 'MEDIAN', 'Q3', 'MAX', 'LOW WHISKER', 'HIGH WHISKER', 'OUTLIERS'],
        boxes.map((b) => {
          const s = b.stats;
          const outliers = s?.outliers.map((v, k) => `${v} (${idOf(b.outlierRuns[k])})`).join(', ');
          return [
            b.label,
            String(b.runIndexes.length),
            String(s?.count ?? 0),
            ...[s?.min, s?.q1, s?.median, s?.q3, s?.max, s?.lowWhisker, s?.highWhisker].map(shown),
            outliers || '-',
          ];
        }),
      ),
    );
  },
});

/** ` (did you mean loss?); their metrics: acc, loss`: what the runs do have (`owned`: "their metrics"). */
function hint(word: string, keys: readonly string[], owned: string, prefix = ''): string {
  if (keys.length === 0) return ` (${owned.replace(/^(its|their) /, 'no ')} at all)`;
  const suggestion = didYouMean(word, keys);
  const sorted = [...keys].sort((a, b) => a.localeCompare(b));
  const listed = sorted.length > KEYS_SHOWN ? `${sorted.slice(0, KEYS_SHOWN).join(', ')} and ${sorted.length - KEYS_SHOWN} more` : sorted.join(', ');
  return `${suggestion ? ` (did you mean ${prefix}${suggestion}?)` : ''}; ${owned}: ${listed}`;
}

/** A group as JSON: the figures (null without a value), the outliers with their runs, and the runs left out of the box. */
function jsonGroup(b: GroupBox, idOf: (runIndex: number) => string, latest: readonly (number | undefined)[]) {
  const s = b.stats;
  return {
    group: b.label,
    value: b.value ?? null,
    runs: b.runIndexes.length,
    runIds: b.runIndexes.map(idOf),
    n: s?.count ?? 0,
    min: s?.min ?? null,
    q1: s?.q1 ?? null,
    median: s?.median ?? null,
    q3: s?.q3 ?? null,
    max: s?.max ?? null,
    lowWhisker: s?.lowWhisker ?? null,
    highWhisker: s?.highWhisker ?? null,
    outliers: (s?.outliers ?? []).map((value, k) => ({ runId: idOf(b.outlierRuns[k]), value })),
    withoutMetric: b.withoutMetric.map(idOf),
    // JSON has no NaN or Infinity: the value as text.
    notFinite: b.notFinite.map((i) => ({ runId: idOf(i), value: String(latest[i]) })),
  };
}
