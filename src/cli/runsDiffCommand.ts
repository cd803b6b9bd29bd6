// `mlflow-wb runs diff`: the compare panel's Baseline diff headless, on the same engine
// (fetchRuns, compareRuns, loadExtremes for min/max, baselineDiff).
import { baselineDiff, type BaselineCell } from '../engine/compare/baselineDiff';
import { compareRuns } from '../engine/compare/compareRuns';
import { loadExtremes } from '../engine/compare/metricExtremes';
import { fetchRuns } from '../engine/compare/runSelection';
import { CliInputError, CliUsageError, defineCommand } from './cliCommand';
import { formatTable } from './textTable';
import { connect, FORMAT_OPTION, TRACKING_URI_OPTION } from './trackingOptions';

export const runsDiffCommand = defineCommand({
  name: 'runs diff',
  summary: 'Every param, metric (latest, min, max) and tag of runs against a baseline run, with the change.',
  options: {
    baseline: {
      type: 'string',
      value: 'RUN_ID',
      required: true,
      description: 'the run the others are compared with (of --tracking-uri, or one given with --run-at)',
    },
    'tracking-uri': TRACKING_URI_OPTION,
    'run-at': {
      type: 'string',
      value: 'URI=RUN_ID',
      multiple: true,
      description:
        "a run of another tracking server (a local run beside its Databricks twin: --run-at databricks=RUN_ID); each server's runs are read from it and labelled by it",
    },
    'hide-identical': { type: 'boolean', description: 'only the rows where some run differs from the baseline' },
    format: FORMAT_OPTION,
  },
  positionals: { name: 'RUN_ID', description: 'the runs of --tracking-uri to compare with the baseline' },
  async run({ values, positionals, io }) {
    // Runs by server: --tracking-uri's (the positionals, and the baseline unless --run-at names it), then each --run-at's.
    const elsewhere = (values['run-at'] ?? []).map((spec) => {
      const at = spec.lastIndexOf('=');
      if (at <= 0 || at === spec.length - 1) throw new CliUsageError(`--run-at ${JSON.stringify(spec)}: expected URI=RUN_ID, e.g. databricks=0a1b2c…`);
      return { uri: spec.slice(0, at), runId: spec.slice(at + 1) };
    });
    const baselineElsewhere = elsewhere.some((r) => r.runId === values.baseline);
    const local = [...new Set([...(baselineElsewhere ? [] : [values.baseline]), ...positionals])];
    if (new Set([...local, ...elsewhere.map((r) => r.runId)]).size < 2)
      throw new CliUsageError('give at least one run id besides --baseline to compare with it');
    const servers = [{ uri: values['tracking-uri'], runIds: local }];
    for (const r of elsewhere) {
      const server = servers.find((s) => s.uri === r.uri) ?? servers[servers.push({ uri: r.uri, runIds: [] }) - 1];
      if (!server.runIds.includes(r.runId)) server.runIds.push(r.runId);
    }
    const connected: (Awaited<ReturnType<typeof connect>> & { runIds: string[] })[] = [];
    for (const s of servers) if (s.runIds.length > 0) connected.push({ ...(await connect(s.uri)), runIds: s.runIds });
    const fetched = await Promise.all(connected.map((s) => fetchRuns(s.client, s.runIds)));
    fetched.forEach((f, i) => {
      const where = connected[i].tracking.label;
      if (f.missing.includes(values.baseline)) throw new CliInputError(`no run ${values.baseline} (--baseline) at ${where}`);
      if (f.missing.length > 0) throw new CliInputError(`no run ${f.missing.join(', ')} at ${where}`);
    });
    const runs = fetched.flatMap((f) => f.runs);
    const runIds = runs.map((r) => r.info.run_id);
    if (new Set(runIds).size < runIds.length) throw new CliUsageError('a run id is given for two tracking servers: give each run once');
    const keys = [...new Set(runs.flatMap((r) => (r.data.metrics ?? []).map((m) => m.key)))];
    // Min and max over each whole history (exact: a sampled answer is completed with the full history), each run from its server.
    const { extremes, errors } = await loadExtremes(
      connected.map((s, i) => ({ client: s.client, runIds: fetched[i].runs.map((r) => r.info.run_id) })),
      keys,
    );
    for (const e of errors) io.err(`history of ${e.metricKey}${e.runId ? ` (run ${e.runId})` : ''} not loaded: ${e.message}`);
    const comparison = compareRuns(runs, { extremes });
    // Runs of several servers are labelled by server, as in the panel.
    if (connected.length > 1) {
      const labelOf = new Map(fetched.flatMap((f, i) => f.runs.map((r) => [r.info.run_id, connected[i].tracking.label] as const)));
      for (const run of comparison.runs) {
        run.server = labelOf.get(run.runId);
        run.name = `${run.name} (${run.server})`;
      }
    }
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
