// `mlflow-wb runs diff`: the compare panel's Baseline diff headless, on the same engine
// (fetchRuns, compareRuns, loadExtremes for min/max, baselineDiff).
import { baselineDiff, type BaselineCell } from '../engine/compare/baselineDiff';
import { compareRuns } from '../engine/compare/compareRuns';
import { loadExtremes } from '../engine/compare/metricExtremes';
import { fetchRuns } from '../engine/compare/runSelection';
import { CliUsageError, defineCommand } from './cliCommand';
import { formatTable } from './textTable';
import { connect, FORMAT_OPTION, TRACKING_URI_OPTION } from './trackingOptions';

export const runsDiffCommand = defineCommand({
  name: 'runs diff',
  summary: 'Every param, metric (latest, min, max) and tag of runs against a baseline run, with the change.',
  options: {
    baseline: { type: 'string', value: 'RUN_ID', required: true, description: 'the run the others are compared with' },
    'tracking-uri': TRACKING_URI_OPTION,
    'hide-identical': { type: 'boolean', description: 'only the rows where some run differs from the baseline' },
    format: FORMAT_OPTION,
  },
  positionals: { name: 'RUN_ID', description: 'the runs to compare with the baseline (at least one)' },
  async run({ values, positionals, io }) {
    const others = positionals.filter((id) => id !== values.baseline);
    if (others.length === 0) throw new CliUsageError('give at least one run id besides --baseline to compare with it');
    const { client, tracking } = connect(values['tracking-uri']);
    const fetched = await fetchRuns(client, [values.baseline, ...others]);
    if (fetched.missing.includes(values.baseline)) throw new CliUsageError(`no run ${values.baseline} (--baseline) at ${tracking.label}`);
    if (fetched.missing.length > 0) throw new CliUsageError(`no run ${fetched.missing.join(', ')} at ${tracking.label}`);
    const runIds = fetched.runs.map((r) => r.info.run_id);
    const keys = [...new Set(fetched.runs.flatMap((r) => (r.data.metrics ?? []).map((m) => m.key)))];
    // Min and max over each whole history (exact: a sampled answer is completed with the full history).
    const { extremes, errors } = await loadExtremes([{ client, runIds }], keys);
    for (const e of errors) io.err(`history of ${e.metricKey}${e.runId ? ` (run ${e.runId})` : ''} not loaded: ${e.message}`);
    const comparison = compareRuns(fetched.runs, { extremes });
    const diff = baselineDiff(comparison, runIds.indexOf(values.baseline));
    const rows = values['hide-identical'] ? diff.rows.filter((r) => !r.identical) : diff.rows;
    if (values.format === 'json') {
      io.out(JSON.stringify({ baseline: comparison.runs[diff.baselineIndex], runs: diff.others.map((i) => comparison.runs[i]), rows }, null, 2));
      return;
    }
    const names = comparison.runs.map((r) => r.name);
    io.out(
      formatTable(
        ['KIND', 'KEY', `${names[diff.baselineIndex]} (baseline)`, ...diff.others.map((i) => names[i])],
        rows.map((r) => [r.section, r.stat ? `${r.key} (${r.stat})` : r.key, shown(r.baseline), ...r.cells.map(cellText)]),
      ),
    );
  },
});

function shown(value: string | number | undefined): string {
  return value === undefined ? '-' : String(value);
}

/** A value and its change: `0.2 (+0.1, +100%)`, `sgd (changed)`, `- (not set)`. */
function cellText(cell: BaselineCell): string {
  switch (cell.change) {
    case 'same':
    case 'missing':
      return shown(cell.value);
    case 'added':
      return `${shown(cell.value)} (added)`;
    case 'removed':
      return '- (not set)';
    case 'changed': {
      if (cell.delta === undefined) return `${shown(cell.value)} (changed)`;
      const delta = `${cell.delta > 0 ? '+' : ''}${Number(cell.delta.toPrecision(6))}`;
      const relative = cell.relative === undefined ? '' : `, ${cell.relative > 0 ? '+' : ''}${Number((cell.relative * 100).toPrecision(4))}%`;
      return `${shown(cell.value)} (${delta}${relative})`;
    }
  }
}
