// `mlflow-wb runs box-plot` against a real `mlflow server`: the figures it prints per group are
// checked against numpy's, computed in the venv from the latest values MLflow's own Python client
// reads for the same runs, and its errors say what is wrong and where.
import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import type { MlflowMetric } from '../../src/engine/mlflow/mlflowTypes';
import { runBuiltCli } from '../support/cliCapture';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';
import { runVenvPython } from '../support/venvPythonRun';

/** Per run: its optimizer (none: the param is not logged) and its val_loss at the last step (none: not logged). */
const RUNS: { name: string; opt?: string; valLoss?: number }[] = [
  { name: 'adam-1', opt: 'adam', valLoss: 0.31 },
  { name: 'adam-2', opt: 'adam', valLoss: 0.27 },
  { name: 'sgd-1', opt: 'sgd', valLoss: 0.52 },
  { name: 'adam-3', opt: 'adam', valLoss: 0.45 },
  { name: 'adam-4', opt: 'adam', valLoss: 0.29 },
  { name: 'adam-5', opt: 'adam', valLoss: 0.9 },
  { name: 'sgd-2', opt: 'sgd', valLoss: 0.61 },
  { name: 'adam-6', opt: 'adam', valLoss: 0.33 },
  { name: 'sgd-3', opt: 'sgd' },
  { name: 'adam-7', opt: 'adam', valLoss: 0.28 },
  { name: 'sgd-4', opt: 'sgd', valLoss: 0.47 },
  { name: 'no-opt', valLoss: 0.7 },
];

/**
 * The oracle: MLflow's Python client reads each run's latest val_loss and opt, numpy gives the
 * quartiles (np.percentile, linear), and the whiskers and outliers follow Tukey's rule.
 */
const ORACLE = `
import json, sys
import numpy as np
from mlflow.tracking import MlflowClient
client = MlflowClient(sys.argv[1])
groups = {}
for run_id in sys.argv[2:]:
    run = client.get_run(run_id)
    groups.setdefault(run.data.params.get("opt"), []).append((run_id, run.data.metrics.get("val_loss")))
out = {}
for opt, members in groups.items():
    values = np.array([v for _, v in members if v is not None and np.isfinite(v)], dtype=float)
    entry = {"runs": len(members), "n": int(values.size)}
    if values.size:
        q1, median, q3 = np.percentile(values, [25, 50, 75])
        reach = 1.5 * (q3 - q1)
        inside = values[(values >= q1 - reach) & (values <= q3 + reach)]
        entry.update(min=float(values.min()), q1=float(q1), median=float(median), q3=float(q3), max=float(values.max()),
                     lowWhisker=float(inside.min()), highWhisker=float(inside.max()),
                     outliers=sorted([[r, v] for r, v in members if v is not None and np.isfinite(v) and (v < q1 - reach or v > q3 + reach)], key=lambda o: o[1]))
    out["" if opt is None else opt] = entry
print(json.dumps(out))
`;

interface JsonGroup {
  group: string;
  value: string | null;
  runs: number;
  runIds: string[];
  n: number;
  min: number | null;
  q1: number | null;
  median: number | null;
  q3: number | null;
  max: number | null;
  lowWhisker: number | null;
  highWhisker: number | null;
  outliers: { runId: string; value: number }[];
  withoutMetric: string[];
  notFinite: { runId: string; value: string }[];
}

describe('mlflow-wb runs box-plot against a real server', () => {
  let url: string;
  let runIds: string[];
  let nanRunId: string;
  let experimentId: string;

  before(async () => {
    url = (await useMlflowServer()).url;
    const client = new MlflowRestClient({ baseUrl: url, timeoutMs: 60_000 });
    const experimentName = uniqueName('box-plot');
    experimentId = await client.createExperiment(experimentName);
    const t0 = Date.UTC(2024, 0, 1);
    runIds = [];
    for (const r of RUNS) {
      const run = await client.createRun(experimentId, r.name);
      runIds.push(run.run_id);
      // Earlier steps are higher and one is lower: the box is of the latest values, not of min or max.
      const metrics: MlflowMetric[] =
        r.valLoss === undefined ? [] : [r.valLoss + 1, r.valLoss / 2, r.valLoss].map((value, step) => ({ key: 'val_loss', value, step, timestamp: t0 + step }));
      metrics.push({ key: 'acc', value: 0.8, step: 0, timestamp: t0 });
      await client.logBatch(run.run_id, { params: r.opt ? [{ key: 'opt', value: r.opt }] : [], metrics, tags: [{ key: 'team', value: 'vision' }] });
      await client.updateRun(run.run_id, 'FINISHED');
    }
    // A diverged run logs NaN, as mlflow.log_metric does.
    nanRunId = await runVenvPython([
      '-c',
      `import sys, mlflow
mlflow.set_tracking_uri(sys.argv[1])
with mlflow.start_run(experiment_id=sys.argv[2], run_name="sgd-nan") as run:
    mlflow.log_param("opt", "sgd")
    mlflow.log_metric("val_loss", 0.4, step=0)
    mlflow.log_metric("val_loss", float("nan"), step=1)
print(run.info.run_id)`,
      url,
      experimentId,
    ]);
  });

  it('prints per group n, quartiles, whiskers and outliers equal to numpy on the latest values; runs without a value counted', async () => {
    const all = [...runIds, nanRunId];
    const expected = JSON.parse(await runVenvPython(['-c', ORACLE, url, ...all])) as Record<string, Record<string, unknown>>;
    // The data has what the test is about: an outlier, a run without val_loss, a NaN and a run without opt.
    assert.deepEqual((expected.adam.outliers as unknown[]).length, 1);
    assert.deepEqual([expected.sgd.runs, expected.sgd.n, expected[''].n], [5, 3, 1]);

    const json = await runBuiltCli(['runs', 'box-plot', '--tracking-uri', url, '--group-by', 'params.opt', '--metric', 'val_loss', '--format', 'json', ...all]);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { metric: string; groupBy: string; runs: number; groups: JsonGroup[] };
    assert.deepEqual([parsed.metric, parsed.groupBy, parsed.runs], ['val_loss', 'params.opt', all.length]);
    // Groups in the order of their first run, the runs without opt last.
    assert.deepEqual(
      parsed.groups.map((g) => [g.group, g.value]),
      [
        ['opt=adam', 'adam'],
        ['opt=sgd', 'sgd'],
        ['opt: none', null],
      ],
    );
    for (const g of parsed.groups) {
      const want = expected[g.value ?? ''];
      assert.equal(g.runs, want.runs, g.group);
      assert.equal(g.n, want.n, g.group);
      for (const key of ['min', 'q1', 'median', 'q3', 'max', 'lowWhisker', 'highWhisker'] as const) {
        assert.ok(Math.abs(g[key]! - (want[key] as number)) < 1e-12, `${g.group} ${key}: ${g[key]}, numpy ${String(want[key])}`);
      }
      assert.deepEqual(
        g.outliers.map((o) => [o.runId, o.value]),
        want.outliers,
        g.group,
      );
    }
    const [adam, sgd, none] = parsed.groups;
    assert.deepEqual(adam.outliers, [{ runId: runIds[5], value: 0.9 }]);
    assert.deepEqual(adam.withoutMetric, []);
    assert.deepEqual(sgd.withoutMetric, [runIds[8]]);
    assert.deepEqual(sgd.notFinite, [{ runId: nanRunId, value: 'NaN' }]);
    assert.deepEqual(sgd.runIds, [runIds[2], runIds[6], runIds[8], runIds[10], nanRunId]);
    assert.deepEqual([none.runIds, none.n, none.median], [[runIds[11]], 1, 0.7]);

    // The text table: the same figures, outliers with their run, the runs left out named on stderr.
    const text = await runBuiltCli(['runs', 'box-plot', '--tracking-uri', url, '--group-by', 'params.opt', '--metric', 'val_loss', ...all]);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trim().split(/\r?\n/);
    assert.match(lines[0], /^GROUP\s+RUNS\s+N\s+MIN\s+Q1\s+MEDIAN\s+Q3\s+MAX\s+LOW WHISKER\s+HIGH WHISKER\s+OUTLIERS$/);
    const cells = (label: string) => lines.find((l) => l.startsWith(`${label} `))!.split(/\s{2,}/);
    assert.deepEqual(cells('opt=adam'), ['opt=adam', '7', '7', '0.27', String(adam.q1), '0.31', String(adam.q3), '0.9', '0.27', '0.45', `0.9 (${runIds[5]})`]);
    assert.deepEqual(cells('opt=sgd').slice(0, 3), ['opt=sgd', '5', '3']);
    assert.deepEqual(cells('opt: none'), ['opt: none', '1', '1', '0.7', '0.7', '0.7', '0.7', '0.7', '0.7', '0.7', '-']);
    assert.match(text.stderr, new RegExp(`^opt=sgd: no val_loss in run ${runIds[8]}$`, 'm'));
    assert.match(text.stderr, new RegExp(`^opt=sgd: val_loss is NaN in run ${nanRunId}, left out of the box$`, 'm'));
  });

  it('groups by a tag; a group without any value of the metric has no box', async () => {
    const noLoss = [runIds[8]];
    const result = await runBuiltCli([
      'runs',
      'box-plot',
      '--tracking-uri',
      url,
      '--group-by',
      'tags.team',
      '--metric',
      'val_loss',
      '--format',
      'json',
      ...noLoss,
      runIds[0],
    ]);
    assert.equal(result.code, 0, result.stderr);
    const [team] = (JSON.parse(result.stdout) as { groups: JsonGroup[] }).groups;
    assert.deepEqual([team.group, team.runs, team.n, team.median, team.withoutMetric], ['team=vision', 2, 1, 0.31, [runIds[8]]]);
    const alone = await runBuiltCli([
      'runs',
      'box-plot',
      '--tracking-uri',
      url,
      '--group-by',
      'params.opt',
      '--metric',
      'acc',
      runIds[0],
      runIds[1],
      runIds[1],
    ]);
    assert.equal(alone.code, 0, alone.stderr);
    // A run given twice counts once.
    assert.match(alone.stdout, /^opt=adam\s+2\s+2\s+0\.8\s/m);
  });

  it('input naming what the runs do not have exits 1 with what and where (no usage line)', async () => {
    const run = (...args: string[]) => runBuiltCli(['runs', 'box-plot', '--tracking-uri', url, ...args]);
    const ghost = 'f'.repeat(32);
    const unknownRun = await run('--group-by', 'params.opt', '--metric', 'val_loss', runIds[0], ghost);
    assert.equal(unknownRun.code, 1);
    assert.match(unknownRun.stderr, new RegExp(`^mlflow-wb runs box-plot: no run ${ghost} at MLflow \\S+\\n$`));
    assert.doesNotMatch(unknownRun.stderr, /Usage:/);

    const metric = await run('--group-by', 'params.opt', '--metric', 'val_los', runIds[0], runIds[1]);
    assert.equal(metric.code, 1);
    assert.match(
      metric.stderr,
      /--metric val_los: none of the 2 runs at MLflow \S+ has metric val_los \(did you mean val_loss\?\); their metrics: acc, val_loss/,
    );
    assert.doesNotMatch(metric.stderr, /Usage:/);

    const key = await run('--group-by', 'params.optimizer', '--metric', 'val_loss', runIds[0]);
    assert.equal(key.code, 1);
    assert.match(key.stderr, new RegExp(`--group-by params.optimizer: run ${runIds[0]} at MLflow \\S+ has no param optimizer; its params: opt`));
    assert.doesNotMatch(key.stderr, /Usage:/);
  });

  it('a malformed command line exits 2 with the usage line', async () => {
    const run = (...args: string[]) => runBuiltCli(['runs', 'box-plot', '--tracking-uri', url, ...args]);
    for (const form of ['opt', 'metrics.val_loss', 'param:opt']) {
      const wrong = await run('--group-by', form, '--metric', 'val_loss', runIds[0]);
      assert.equal(wrong.code, 2, form);
      assert.match(wrong.stderr, new RegExp(`--group-by takes params.KEY or tags.KEY, not '${form}'`));
      assert.match(wrong.stderr, /^Usage: mlflow-wb runs box-plot /m);
    }
    const none = await run('--group-by', 'params.opt', '--metric', 'val_loss');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give at least one run id/);
    const required = await run('--metric', 'val_loss', runIds[0]);
    assert.equal(required.code, 2);
    assert.match(required.stderr, /--group-by params\.KEY\|tags\.KEY is required\nUsage: mlflow-wb runs box-plot /);
  });

  it('is listed by mlflow-wb --help', async () => {
    const help = await runBuiltCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^ {2}runs box-plot\s+The compare panel's box plot as figures/m);
  });
});
