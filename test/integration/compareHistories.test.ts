// The compare panel's history loader against a real `mlflow server`: bulk (server-sampled) and the
// per-run fallback, both checked against the raw metrics/get-history of each run.
import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadHistories, type HistoryClient } from '../../src/engine/compare/loadHistories';
import { compareRuns } from '../../src/engine/compare/compareRuns';
import { loadExtremes } from '../../src/engine/compare/metricExtremes';
import { fetchRuns, siblingRuns } from '../../src/engine/compare/runSelection';
import { ClientErrorCodes, MlflowApiError, MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import type { MlflowMetric } from '../../src/engine/mlflow/mlflowTypes';
import { runBuiltCli } from '../support/cliCapture';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';

const STEPS = [3000, 2500, 4100];
const MAX_POINTS = 400;

describe('compare: loadHistories against a real server', () => {
  let client: MlflowRestClient;
  let url: string;
  let runIds: string[];
  let parentId: string;
  const raw = new Map<string, MlflowMetric[]>();

  before(async () => {
    url = (await useMlflowServer()).url;
    client = new MlflowRestClient({ baseUrl: url, timeoutMs: 60_000 });
    const experimentId = await client.createExperiment(uniqueName('compare-histories'));
    const t0 = Date.UTC(2024, 0, 1);
    const parent = await client.createRun(experimentId, 'sweep');
    parentId = parent.run_id;
    runIds = [];
    for (const [r, steps] of STEPS.entries()) {
      const run = await client.createRun(experimentId, `trial-${r}`, { parentRunId: parent.run_id });
      runIds.push(run.run_id);
      await client.logBatch(run.run_id, {
        params: [
          { key: 'lr', value: String(0.1 / (r + 1)) },
          { key: 'model', value: 'mlp' },
        ],
      });
      const metrics: MlflowMetric[] = [];
      for (let step = 0; step < steps; step++) {
        // A decaying loss with one spike per run, and an accuracy climbing towards 1.
        const spike = step === 1234 + r ? 50 : 0;
        metrics.push({ key: 'loss', value: 2 * Math.exp(-step / (300 * (r + 1))) + spike, timestamp: t0 + step * 10, step });
        metrics.push({ key: 'acc', value: 1 - Math.exp(-step / 500) / (r + 1), timestamp: t0 + step * 10, step });
      }
      // log-batch takes at most 1000 metrics per request.
      for (let i = 0; i < metrics.length; i += 1000) await client.logBatch(run.run_id, { metrics: metrics.slice(i, i + 1000) });
      await client.updateRun(run.run_id, 'FINISHED');
    }
    for (const runId of runIds) for (const key of ['loss', 'acc']) raw.set(`${runId}/${key}`, await client.getMetricHistory(runId, key));
  });

  function checkAgainstRaw(series: Awaited<ReturnType<typeof loadHistories>>['series']): void {
    assert.equal(series.length, runIds.length * 2);
    for (const s of series) {
      const all = [...raw.get(`${s.runId}/${s.metricKey}`)!].sort((a, b) => a.step - b.step);
      assert.equal(all.length, STEPS[runIds.indexOf(s.runId)]);
      assert.ok(s.points.length <= MAX_POINTS, `${s.points.length} points`);
      assert.ok(s.points.length >= MAX_POINTS / 2, `only ${s.points.length} points`);
      assert.equal(s.sampled, true);
      assert.deepEqual(s.points[0], { step: all[0].step, timestamp: all[0].timestamp, value: all[0].value });
      const last = all.at(-1)!;
      assert.deepEqual(s.points.at(-1), { step: last.step, timestamp: last.timestamp, value: last.value });
      for (let i = 1; i < s.points.length; i++) assert.ok(s.points[i].step > s.points[i - 1].step);
    }
  }

  it('bulk: one sampled series per run and metric, first/last equal to metrics/get-history', async () => {
    const result = await loadHistories(client, runIds, ['loss', 'acc'], { maxPoints: MAX_POINTS });
    assert.equal(result.source, 'bulk');
    assert.deepEqual(result.errors, []);
    checkAgainstRaw(result.series);
    assert.deepEqual(
      result.series.map((s) => s.metricKey),
      ['loss', 'loss', 'loss', 'acc', 'acc', 'acc'],
    );
  });

  it('progressive: each metric is delivered as it arrives, the first before the second is asked for', async () => {
    let asked = 0;
    const counting: HistoryClient = {
      getMetricHistory: (...args) => client.getMetricHistory(...args),
      getMetricHistoryBulkInterval: (...args) => {
        asked++;
        return client.getMetricHistoryBulkInterval(...args);
      },
    };
    const delivered: { key: string; asked: number; runs: number }[] = [];
    const result = await loadHistories(counting, runIds, ['acc', 'loss'], {
      maxPoints: MAX_POINTS,
      onMetric: (m) => delivered.push({ key: m.metricKey, asked, runs: m.series.length }),
    });
    assert.deepEqual(delivered, [
      { key: 'acc', asked: 1, runs: 3 },
      { key: 'loss', asked: 2, runs: 3 },
    ]);
    checkAgainstRaw(result.series);
  });

  it('zoom refine: start_step/end_step give every step of a short range and a sample of a long one, bounds included', async () => {
    const short = await loadHistories(client, runIds, ['loss'], { maxPoints: MAX_POINTS, range: { startStep: 1200, endStep: 1299 } });
    for (const s of short.series) {
      const inRange = raw
        .get(`${s.runId}/loss`)!
        .filter((m) => m.step >= 1200 && m.step <= 1299)
        .sort((a, b) => a.step - b.step);
      assert.equal(s.sampled, false);
      assert.equal(s.exact, true);
      assert.deepEqual(
        s.points,
        inRange.map((m) => ({ step: m.step, timestamp: m.timestamp, value: m.value })),
      );
      // The spike at step 1234 + r, lost between the overview's samples, is in the detail.
      assert.equal(s.max, Math.max(...inRange.map((m) => m.value)));
      assert.ok(s.max! > 50);
    }
    const long = await loadHistories(client, runIds, ['loss'], { maxPoints: 100, range: { startStep: 500, endStep: 2499 } });
    for (const s of long.series) {
      assert.equal(s.sampled, true);
      assert.ok(s.points.length <= 100 && s.points.length >= 50, `${s.points.length} points`);
      assert.deepEqual([s.points[0].step, s.points.at(-1)!.step], [500, 2499]);
    }
    // The server refuses a reversed range; the loader says so before asking.
    await assert.rejects(loadHistories(client, runIds, ['loss'], { maxPoints: 100, range: { startStep: 10, endStep: 9 } }), /step range \[10, 9\]/);
    await assert.rejects(
      client.getMetricHistoryBulkInterval(runIds, 'loss', { maxResults: 10, startStep: 10, endStep: 9 }),
      /end_step must be greater than start_step/,
    );
  });

  it('per-run fallback (server without bulk): same shape, and exact min/max keep the spike', async () => {
    const noBulk: HistoryClient = {
      getMetricHistory: (...args) => client.getMetricHistory(...args),
      getMetricHistoryBulkInterval: async () => {
        throw new MlflowApiError('no such endpoint', ClientErrorCodes.endpointNotFound, 404, 'metrics/get-history-bulk-interval');
      },
    };
    const result = await loadHistories(noBulk, runIds, ['loss', 'acc'], { maxPoints: MAX_POINTS, concurrency: 4 });
    assert.equal(result.source, 'per-run');
    checkAgainstRaw(result.series);
    for (const s of result.series.filter((x) => x.metricKey === 'loss')) {
      const values = raw.get(`${s.runId}/loss`)!.map((m) => m.value);
      assert.equal(s.exact, true);
      assert.equal(s.max, Math.max(...values));
      assert.equal(s.min, Math.min(...values));
      // The spike survives downsampling.
      assert.ok(s.points.some((p) => p.value === s.max));
    }
  });

  it('an unknown run has no series (the server answers an empty history), the other runs still load', async () => {
    const noBulk: HistoryClient = {
      getMetricHistory: (...args) => client.getMetricHistory(...args),
      getMetricHistoryBulkInterval: async () => {
        throw new MlflowApiError('no such endpoint', ClientErrorCodes.endpointNotFound, 404, 'metrics/get-history-bulk-interval');
      },
    };
    const ghost = 'f'.repeat(32);
    const result = await loadHistories(noBulk, [runIds[0], ghost], ['loss'], { maxPoints: 100 });
    assert.deepEqual(
      result.series.map((s) => s.runId),
      [runIds[0]],
    );
    assert.deepEqual(result.errors, []);
    const bulk = await loadHistories(client, [ghost, runIds[1]], ['loss'], { maxPoints: 100 });
    assert.deepEqual(
      bulk.series.map((s) => s.runId),
      [runIds[1]],
    );
  });

  it("fetchRuns + compareRuns: params diff and the best loss; siblings of a child are its parent's children", async () => {
    const ghost = 'e'.repeat(32);
    const fetched = await fetchRuns(client, [...runIds, ghost]);
    assert.deepEqual(fetched.missing, [ghost]);
    const c = compareRuns(fetched.runs);
    assert.deepEqual(
      c.params.map((p) => [p.key, p.differs]),
      [
        ['lr', true],
        ['model', false],
      ],
    );
    const loss = c.metrics.find((m) => m.key === 'loss')!;
    assert.equal(loss.higherIsBetter, false);
    assert.equal(loss.best, loss.latest.indexOf(Math.min(...loss.latest.map((v) => v!))));
    const siblings = await siblingRuns(client, fetched.runs[1]);
    assert.equal(siblings.parentId, parentId);
    assert.deepEqual(
      siblings.runs.map((r) => r.info.run_id),
      runIds,
    );
  });

  it("loadExtremes: the Metrics table's min/max equal the whole history's (the spike a 2500-value sample misses included)", async () => {
    const result = await loadExtremes([{ client, runIds }], ['loss', 'acc']);
    assert.deepEqual(result.errors, []);
    for (const runId of runIds) {
      for (const key of ['loss', 'acc']) {
        const values = raw.get(`${runId}/${key}`)!.map((m) => m.value);
        assert.deepEqual(result.extremes.get(runId)!.get(key), { min: Math.min(...values), max: Math.max(...values), exact: true }, `${key} of ${runId}`);
      }
    }
    // Every run has at least 2500 values: each was read in full once per metric after the sampled pass.
    assert.equal(result.fullHistories, runIds.length * 2);
  });

  it('mlflow-wb runs diff: every param, metric (latest, min, max) and tag against the baseline, with the change', async () => {
    const text = await runBuiltCli(['runs', 'diff', '--tracking-uri', url, '--baseline', runIds[0], runIds[1], runIds[2]]);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trim().split(/\r?\n/);
    assert.match(lines[0], /^KIND\s+KEY\s+trial-0 \(baseline\)\s+trial-1\s+trial-2$/);
    // lr: 0.1, 0.05, 0.0333…: changes relative to the baseline's.
    assert.match(
      lines.find((l) => /^param\s+lr\s/.test(l))!,
      /^param\s+lr\s+0\.1\s+0\.05 \(-0\.05, -50%\)\s+0\.0333333+ \(-0\.0666667, -66\.67%\)$/,
    );
    assert.match(
      lines.find((l) => /^param\s+model\s/.test(l))!,
      /^param\s+model\s+mlp\s+mlp\s+mlp$/,
    );
    // The max of loss is each run's spike (50 + the decayed value), from the history.
    const lossMax = lines.find((l) => /^metric\s+loss \(max\)/.test(l))!;
    assert.match(lossMax, /^metric\s+loss \(max\)\s+5\d\.\d+/, lossMax);
    const json = await runBuiltCli(['runs', 'diff', '--tracking-uri', url, '--baseline', runIds[1], runIds[0], '--hide-identical', '--format', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as {
      baseline: { runId: string };
      rows: { section: string; key: string; stat?: string; identical: boolean; cells: { change: string }[] }[];
    };
    assert.equal(parsed.baseline.runId, runIds[1]);
    assert.ok(parsed.rows.every((r) => !r.identical));
    assert.ok(!parsed.rows.some((r) => r.key === 'model'), 'identical rows hidden');
    assert.deepEqual(
      parsed.rows.find((r) => r.key === 'lr')!.cells.map((c) => c.change),
      ['changed'],
    );
    const missing = await runBuiltCli(['runs', 'diff', '--tracking-uri', url, '--baseline', 'f'.repeat(32), runIds[0]]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^mlflow-wb runs diff: no run f{32} \(--baseline\) at MLflow \S+\n$/);
  });
});
