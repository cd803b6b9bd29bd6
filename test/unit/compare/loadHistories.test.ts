import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadHistories, mapLimit, type HistoryClient } from '../../../src/engine/compare/loadHistories';
import { ClientErrorCodes, MlflowApiError } from '../../../src/engine/mlflow/mlflowRestClient';
import type { MlflowMetric, MlflowMetricWithRunId } from '../../../src/engine/mlflow/mlflowTypes';

/** Histories per run and key: value = step * factor. */
function data(runIds: string[], keys: string[], steps: number): Map<string, MlflowMetric[]> {
  const m = new Map<string, MlflowMetric[]>();
  runIds.forEach((runId, r) => keys.forEach((key) => m.set(`${runId}/${key}`, Array.from({ length: steps }, (_, step) => ({ key, step, timestamp: 1000 + step, value: step * (r + 1) })).reverse())));
  return m;
}

function fakeClient(histories: Map<string, MlflowMetric[]>, opts: { bulk: boolean; failRun?: string }) {
  const calls = { bulk: 0, perRun: 0, inFlight: 0, maxInFlight: 0 };
  const client: HistoryClient = {
    async getMetricHistoryBulkInterval(runIds: string[], key: string, o: { maxResults?: number } = {}): Promise<MlflowMetricWithRunId[]> {
      calls.bulk++;
      if (!opts.bulk) throw new MlflowApiError('no bulk', ClientErrorCodes.endpointNotFound, 404, 'metrics/get-history-bulk-interval');
      return runIds.flatMap((runId) => {
        const all = [...(histories.get(`${runId}/${key}`) ?? [])].sort((a, b) => a.step - b.step);
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
    assert.deepEqual(result.series.map((s) => `${s.metricKey}/${s.runId}`), ['loss/r1', 'loss/r2', 'loss/r3', 'acc/r1', 'acc/r2', 'acc/r3']);
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
    assert.deepEqual(result.series.map((s) => s.runId), ['ok']);
    assert.equal(result.errors.length, 1);
    assert.match(result.errors[0].message, /Run gone not found/);
    assert.equal(result.errors[0].runId, 'gone');
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
