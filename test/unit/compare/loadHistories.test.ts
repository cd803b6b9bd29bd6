import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadHistories, loadHistoriesFromServers, mapLimit, type HistoryClient, type LoadedMetric } from '../../../src/engine/compare/loadHistories';
import { loadExtremes } from '../../../src/engine/compare/metricExtremes';
import { ClientErrorCodes, MlflowApiError } from '../../../src/engine/mlflow/mlflowRestClient';
import type { MlflowMetric, MlflowMetricWithRunId } from '../../../src/engine/mlflow/mlflowTypes';

/** Histories per run and key: value = step * factor. */
function data(runIds: string[], keys: string[], steps: number): Map<string, MlflowMetric[]> {
  const m = new Map<string, MlflowMetric[]>();
  runIds.forEach((runId, r) =>
    keys.forEach((key) =>
      m.set(`${runId}/${key}`, Array.from({ length: steps }, (_, step) => ({ key, step, timestamp: 1000 + step, value: step * (r + 1) })).reverse()),
    ),
  );
  return m;
}

function fakeClient(histories: Map<string, MlflowMetric[]>, opts: { bulk: boolean; failRun?: string }) {
  const calls = {
    bulk: 0,
    perRun: 0,
    inFlight: 0,
    maxInFlight: 0,
    bulkArgs: [] as { key: string; maxResults?: number; startStep?: number; endStep?: number }[],
    bulkDone: [] as string[],
  };
  const client: HistoryClient = {
    async getMetricHistoryBulkInterval(
      runIds: string[],
      key: string,
      o: { maxResults?: number; startStep?: number; endStep?: number } = {},
    ): Promise<MlflowMetricWithRunId[]> {
      calls.bulk++;
      calls.bulkArgs.push({ key, ...o });
      if (!opts.bulk) throw new MlflowApiError('no bulk', ClientErrorCodes.endpointNotFound, 404, 'metrics/get-history-bulk-interval');
      await new Promise((r) => setTimeout(r, 2));
      calls.bulkDone.push(key);
      return runIds.flatMap((runId) => {
        const all = [...(histories.get(`${runId}/${key}`) ?? [])]
          .filter((m) => o.startStep === undefined || (m.step >= o.startStep && m.step <= o.endStep!))
          .sort((a, b) => a.step - b.step);
        const max = o.maxResults ?? 2500;
        // Like the server: every step when few, else evenly spaced steps incl. first and last.
        const picked = all.length <= max ? all : Array.from({ length: max }, (_, i) => all[Math.round((i * (all.length - 1)) / (max - 1))]);
        return picked.map((m) => ({ ...m, run_id: runId }));
      });
    },
    async getMetricHistory(runId: string, key: string): Promise<MlflowMetric[]> {
      calls.perRun++;
      calls.inFlight++;
      calls.maxInFlight = Math.max(calls.maxInFlight, calls.inFlight);
      await new Promise((r) => setTimeout(r, 2));
      calls.inFlight--;
      if (runId === opts.failRun) throw new MlflowApiError(`Run ${runId} not found`, 'RESOURCE_DOES_NOT_EXIST', 404, 'metrics/get-history');
      return histories.get(`${runId}/${key}`) ?? [];
    },
  };
  return { client, calls };
}

describe('loadHistories', () => {
  it('uses one bulk request per metric, orders series by metric then run, samples to maxPoints', async () => {
    const { client, calls } = fakeClient(data(['r1', 'r2', 'r3'], ['loss', 'acc'], 5000), { bulk: true });
    const result = await loadHistories(client, ['r1', 'r2', 'r3'], ['loss', 'acc'], { maxPoints: 500 });
    assert.equal(result.source, 'bulk');
    assert.equal(calls.bulk, 2);
    assert.equal(calls.perRun, 0);
    assert.deepEqual(
      result.series.map((s) => `${s.metricKey}/${s.runId}`),
      ['loss/r1', 'loss/r2', 'loss/r3', 'acc/r1', 'acc/r2', 'acc/r3'],
    );
    for (const s of result.series) {
      assert.ok(s.points.length <= 500);
      assert.equal(s.points[0].step, 0);
      assert.equal(s.points.at(-1)!.step, 4999);
      assert.equal(s.sampled, true);
      assert.equal(s.exact, false);
    }
  });

  it('a short history in bulk is complete and exact', async () => {
    const { client } = fakeClient(data(['r1'], ['loss'], 10), { bulk: true });
    const [s] = (await loadHistories(client, ['r1'], ['loss'], { maxPoints: 500 })).series;
    assert.equal(s.points.length, 10);
    assert.deepEqual([s.sampled, s.exact, s.min, s.max], [false, true, 0, 9]);
  });

  it('falls back to get-history per run when the server lacks bulk, with the concurrency limit, and remembers', async () => {
    const runs = Array.from({ length: 12 }, (_, i) => `r${i}`);
    const { client, calls } = fakeClient(data(runs, ['loss', 'acc'], 300), { bulk: false });
    const result = await loadHistories(client, runs, ['loss', 'acc'], { maxPoints: 100, concurrency: 3 });
    assert.equal(result.source, 'per-run');
    assert.equal(calls.perRun, 24);
    assert.equal(calls.maxInFlight, 3);
    assert.equal(result.series.length, 24);
    const s = result.series[0];
    assert.ok(s.points.length <= 100);
    assert.deepEqual([s.sampled, s.exact, s.min, s.max], [true, true, 0, 299]);
    const bulkCalls = calls.bulk;
    await loadHistories(client, runs, ['loss'], { maxPoints: 100 });
    assert.equal(calls.bulk, bulkCalls, 'asked for bulk again after the server said it has none');
  });

  it('reports one failing run as an error and still returns the others', async () => {
    const { client } = fakeClient(data(['ok', 'gone'], ['loss'], 20), { bulk: false, failRun: 'gone' });
    const result = await loadHistories(client, ['ok', 'gone'], ['loss'], { maxPoints: 100 });
    assert.deepEqual(
      result.series.map((s) => s.runId),
      ['ok'],
    );
    assert.equal(result.errors.length, 1);
    assert.match(result.errors[0].message, /Run gone not found/);
    assert.equal(result.errors[0].runId, 'gone');
  });

  it('delivers each metric as soon as it arrives: the first one alone, before any other is asked for', async () => {
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const { client, calls } = fakeClient(data(['r1', 'r2'], keys, 50), { bulk: true });
    const delivered: { key: string; askedBefore: number; runs: string[] }[] = [];
    const result = await loadHistories(client, ['r1', 'r2'], keys, {
      maxPoints: 300,
      concurrency: 2,
      onMetric: (m) => delivered.push({ key: m.metricKey, askedBefore: calls.bulk, runs: m.series.map((s) => s.runId) }),
    });
    assert.deepEqual(delivered[0], { key: 'a', askedBefore: 1, runs: ['r1', 'r2'] });
    assert.deepEqual(delivered.map((d) => d.key).sort(), keys);
    assert.deepEqual(
      calls.bulkArgs.map((a) => a.key),
      keys,
      'asked in the order given',
    );
    assert.ok(
      delivered.every((d) => d.askedBefore <= keys.indexOf(d.key) + 2),
      'never more than 2 in flight after the first',
    );
    assert.equal(result.series.length, 10);
  });

  it('a step range asks the server for that interval and keeps only its steps (bulk and per run)', async () => {
    const bulk = fakeClient(data(['r1'], ['loss'], 5000), { bulk: true });
    const zoomed = await loadHistories(bulk.client, ['r1'], ['loss'], { maxPoints: 300, range: { startStep: 1000, endStep: 1099 } });
    assert.deepEqual({ ...bulk.calls.bulkArgs[0], signal: undefined }, { key: 'loss', maxResults: 300, startStep: 1000, endStep: 1099, signal: undefined });
    const [s] = zoomed.series;
    assert.equal(s.points.length, 100, 'every step of a 100-step range');
    assert.deepEqual([s.points[0].step, s.points.at(-1)!.step, s.sampled], [1000, 1099, false]);
    const perRun = fakeClient(data(['r2'], ['loss'], 5000), { bulk: false });
    const delivered: unknown[] = [];
    const fallback = await loadHistories(perRun.client, ['r2'], ['loss'], {
      maxPoints: 50,
      range: { startStep: 10, endStep: 2000 },
      onMetric: (m) => delivered.push(m.range),
    });
    const [p] = fallback.series;
    assert.equal(fallback.source, 'per-run');
    assert.deepEqual([p.points[0].step, p.points.at(-1)!.step, p.points.length <= 50, p.sampled], [10, 2000, true, true]);
    assert.deepEqual(delivered, [{ startStep: 10, endStep: 2000 }]);
    await assert.rejects(loadHistories(bulk.client, ['r1'], ['loss'], { maxPoints: 300, range: { startStep: 5, endStep: 4 } }), /step range \[5, 4\]/);
  });

  it("exact: full histories per run even where the server samples, so min and max are the history's", async () => {
    const { client, calls } = fakeClient(data(['r1', 'r2'], ['loss'], 5000), { bulk: true });
    const result = await loadHistories(client, ['r1', 'r2'], ['loss'], { maxPoints: 2, exact: true });
    assert.equal(calls.bulk, 0);
    assert.equal(calls.perRun, 2);
    assert.deepEqual(
      result.series.map((s) => [s.exact, s.min, s.max, s.points.length]),
      [
        [true, 0, 4999, 2],
        [true, 0, 9998, 2],
      ],
    );
  });

  it("loadHistoriesFromServers: each server's runs read with its own client, one merged metric per key in the runs' order", async () => {
    const local = fakeClient(data(['l1', 'l2'], ['loss', 'acc'], 50), { bulk: true });
    // A Databricks-like server: no bulk interval endpoint, read per run.
    const remote = fakeClient(data(['d1'], ['loss', 'acc'], 50), { bulk: false });
    const metrics: LoadedMetric[] = [];
    const result = await loadHistoriesFromServers(
      [
        { client: local.client, runIds: ['l1', 'l2'] },
        { client: remote.client, runIds: ['d1'] },
      ],
      ['loss', 'acc'],
      { maxPoints: 100, onMetric: (m) => metrics.push(m) },
    );
    assert.deepEqual(
      metrics.map((m) => [m.metricKey, m.series.map((s) => s.runId), m.source]),
      [
        ['loss', ['l1', 'l2', 'd1'], 'per-run'],
        ['acc', ['l1', 'l2', 'd1'], 'per-run'],
      ],
    );
    assert.deepEqual(
      result.series.map((s) => `${s.metricKey}/${s.runId}`),
      ['loss/l1', 'loss/l2', 'loss/d1', 'acc/l1', 'acc/l2', 'acc/d1'],
    );
    // Each client was asked only for its own runs.
    assert.deepEqual(
      local.calls.bulkArgs.map((a) => a.key),
      ['loss', 'acc'],
    );
    assert.equal(local.calls.perRun, 0);
    assert.equal(remote.calls.perRun, 2);
    await assert.rejects(
      loadHistoriesFromServers(
        [
          { client: local.client, runIds: ['x'] },
          { client: remote.client, runIds: ['x'] },
        ],
        ['loss'],
        { maxPoints: 10 },
      ),
      /Run x is listed for two tracking servers/,
    );
  });

  it('loadExtremes: exact min/max, the full history read only where the server sampled, known ones not asked again', async () => {
    const histories = data(['long', 'short'], ['loss'], 5000);
    // The short run: 100 values, one spike the sample would miss on the long run is put on both.
    histories.set(
      'short/loss',
      histories.get('short/loss')!.filter((m) => m.step < 100),
    );
    for (const run of ['long', 'short']) histories.get(`${run}/loss`)!.find((m) => m.step === 77)!.value = -5;
    histories.get('long/loss')!.find((m) => m.step === 4001)!.value = 1e6;
    const { client, calls } = fakeClient(histories, { bulk: true });
    const server = [{ client, runIds: ['long', 'short'] }];
    const result = await loadExtremes(server, ['loss']);
    assert.deepEqual(Object.fromEntries([...result.extremes].map(([id, m]) => [id, m.get('loss')])), {
      long: { min: -5, max: 1e6, exact: true },
      short: { min: -5, max: 99 * 2, exact: true },
    });
    assert.equal(calls.bulk, 1);
    assert.equal(calls.perRun, 1, "only the sampled run's full history");
    assert.equal(result.fullHistories, 1);
    // Known exact extremes are not asked for; a run left unrefined (still running) stays approximate.
    const again = fakeClient(histories, { bulk: true });
    const known = await loadExtremes([{ client: again.client, runIds: ['long', 'short'] }], ['loss'], {
      known: (id) => (id === 'short' ? { min: 1, max: 2, exact: true } : undefined),
      refine: (id) => id !== 'long',
    });
    assert.deepEqual(known.extremes.get('short')!.get('loss'), { min: 1, max: 2, exact: true });
    assert.equal(known.extremes.get('long')!.get('loss')!.exact, false);
    assert.equal(again.calls.perRun, 0);
    // A budget of full histories: past it, extremes stay sampled.
    const capped = await loadExtremes([{ client: fakeClient(histories, { bulk: true }).client, runIds: ['long', 'short'] }], ['loss'], { maxFullHistories: 0 });
    assert.deepEqual([capped.fullHistories, capped.extremes.get('long')!.get('loss')!.exact], [0, false]);
  });

  it('mapLimit never exceeds its limit and stops on the first error', async () => {
    let inFlight = 0;
    let max = 0;
    const done: number[] = [];
    await assert.rejects(
      mapLimit([1, 2, 3, 4, 5, 6, 7, 8], 2, async (n) => {
        inFlight++;
        max = Math.max(max, inFlight);
        await new Promise((r) => setTimeout(r, 1));
        inFlight--;
        if (n === 3) throw new Error('boom');
        done.push(n);
      }),
      /boom/,
    );
    assert.equal(max, 2);
    assert.ok(!done.includes(8));
  });
});
