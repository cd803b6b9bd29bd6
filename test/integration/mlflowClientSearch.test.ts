// Experiments, runs, paging, filters, nested and deleted runs, metrics: against a real `mlflow server`.
import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { collectAll, MlflowApiError, MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { uniqueName, useMlflowServer } from '../support/mlflowServer';

/** Runs `work` over `items` with at most `limit` in flight (sqlite serialises writes anyway). */
async function inParallel<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i], i);
      }
    }),
  );
  return results;
}

describe('MLflow REST client: experiments and runs (real server)', () => {
  let client: MlflowRestClient;
  let pagedExperimentId: string;
  const RUNS = 250;
  const T0 = Date.UTC(2024, 0, 1);

  before(async () => {
    const { url } = await useMlflowServer();
    client = new MlflowRestClient({ baseUrl: url, timeoutMs: 60_000 });
    pagedExperimentId = await client.createExperiment(uniqueName('paging'));
    await inParallel(
      Array.from({ length: RUNS }, (_, i) => i),
      8,
      (i) => client.createRun(pagedExperimentId, `run-${i}`, { startTime: T0 + i * 1000, tags: [{ key: 'idx', value: String(i) }] }),
    );
  });

  it('finds experiments by name, by id, and through search with a filter', async () => {
    const name = uniqueName('find-me');
    const id = await client.createExperiment(name, { tags: [{ key: 'team', value: 'ml' }] });
    const byName = await client.getExperimentByName(name);
    assert.equal(byName?.experiment_id, id);
    assert.equal((await client.getExperiment(id)).name, name);
    assert.equal(await client.getExperimentByName(uniqueName('missing')), undefined);
    const found = await client.searchExperiments({ filter: `name = '${name}'` });
    assert.deepEqual(
      found.items.map((e) => e.experiment_id),
      [id],
    );
    assert.deepEqual(found.items[0].tags, [{ key: 'team', value: 'ml' }]);
  });

  it('pages through 250 runs, 100 at a time, newest first, without gaps or repeats', async () => {
    const pages: number[] = [];
    const all = await collectAll(async (pageToken) => {
      const page = await client.searchRuns({ experimentIds: [pagedExperimentId], maxResults: 100, pageToken, orderBy: ['attributes.start_time DESC'] });
      pages.push(page.items.length);
      return page;
    });
    assert.deepEqual(pages, [100, 100, 50]);
    assert.equal(new Set(all.map((r) => r.info.run_id)).size, RUNS);
    assert.deepEqual(
      all.slice(0, 3).map((r) => r.info.run_name),
      ['run-249', 'run-248', 'run-247'],
    );
    assert.equal(all.at(-1)?.info.run_name, 'run-0');
  });

  it('filters and orders runs with MLflow search syntax', async () => {
    const page = await client.searchRuns({
      experimentIds: [pagedExperimentId],
      filter: "tags.idx LIKE '12%'",
      orderBy: ['attributes.run_name ASC'],
    });
    assert.deepEqual(
      page.items.map((r) => r.info.run_name),
      ['run-12', 'run-120', 'run-121', 'run-122', 'run-123', 'run-124', 'run-125', 'run-126', 'run-127', 'run-128', 'run-129'],
    );
    const byTime = await client.searchRuns({ experimentIds: [pagedExperimentId], filter: `attributes.start_time < ${T0 + 3000}`, orderBy: ['start_time ASC'] });
    assert.deepEqual(
      byTime.items.map((r) => r.info.run_name),
      ['run-0', 'run-1', 'run-2'],
    );
  });

  it("reports a bad filter with the server's explanation", async () => {
    await assert.rejects(client.searchRuns({ experimentIds: [pagedExperimentId], filter: 'metrics.rmse <' }), (err: unknown) => {
      assert.ok(err instanceof MlflowApiError);
      assert.equal(err.errorCode, 'INVALID_PARAMETER_VALUE');
      assert.equal(err.httpStatus, 400);
      assert.match(err.message, /^runs\/search: Invalid clause\(s\) in filter string: 'metrics\.rmse', '<'/);
      return true;
    });
    await assert.rejects(
      client.searchRuns({ experimentIds: [pagedExperimentId], filter: 'attributes.foo = 1' }),
      /Invalid attribute key 'foo' specified\. Valid keys are/,
    );
  });

  it('finds nested runs through the mlflow.parentRunId tag', async () => {
    const exp = await client.createExperiment(uniqueName('nested'));
    const parent = await client.createRun(exp, 'parent');
    const children = await Promise.all(['a', 'b'].map((n) => client.createRun(exp, `child-${n}`, { parentRunId: parent.run_id })));
    const found = await client.searchRuns({ experimentIds: [exp], filter: `tags.mlflow.parentRunId = '${parent.run_id}'`, orderBy: ['run_name'] });
    assert.deepEqual(
      found.items.map((r) => r.info.run_id),
      children.map((c) => c.run_id),
    );
    const child = await client.getRun(children[0].run_id);
    assert.ok(child.data.tags?.some((t) => t.key === 'mlflow.parentRunId' && t.value === parent.run_id));
  });

  it('deletes and restores runs, and shows them per view type', async () => {
    const exp = await client.createExperiment(uniqueName('deleted'));
    const keep = await client.createRun(exp, 'keep');
    const gone = await client.createRun(exp, 'gone');
    await client.deleteRun(gone.run_id);
    const names = async (runViewType: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL') =>
      (await client.searchRuns({ experimentIds: [exp], runViewType, orderBy: ['run_name'] })).items.map((r) => r.info.run_name);
    assert.deepEqual(await names('ACTIVE_ONLY'), ['keep']);
    assert.deepEqual(await names('DELETED_ONLY'), ['gone']);
    assert.deepEqual(await names('ALL'), ['gone', 'keep']);
    assert.equal((await client.getRun(gone.run_id)).info.lifecycle_stage, 'deleted');
    await client.restoreRun(gone.run_id);
    assert.deepEqual(await names('ACTIVE_ONLY'), ['gone', 'keep']);
    assert.equal(keep.lifecycle_stage, 'active');
  });

  it('reads metric history and the bulk interval across runs', async () => {
    const exp = await client.createExperiment(uniqueName('metrics'));
    const runs = await Promise.all([client.createRun(exp, 'm1'), client.createRun(exp, 'm2')]);
    const now = Date.now();
    await Promise.all(
      runs.map((run, r) =>
        client.logBatch(run.run_id, {
          metrics: Array.from({ length: 50 }, (_, step) => ({ key: 'loss', value: (r + 1) / (step + 1), timestamp: now + step, step })),
        }),
      ),
    );
    const history = await client.getMetricHistory(runs[0].run_id, 'loss');
    assert.equal(history.length, 50);
    assert.deepEqual(
      history.map((m) => m.step).sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.equal(typeof history[0].timestamp, 'number');

    const bulk = await client.getMetricHistoryBulkInterval(
      runs.map((r) => r.run_id),
      'loss',
      { maxResults: 10 },
    );
    for (const run of runs) {
      const points = bulk.filter((p) => p.run_id === run.run_id);
      assert.ok(points.length > 0 && points.length <= 11, `run ${run.run_name}: ${points.length} points`);
      assert.ok(points.some((p) => p.step === 0) && points.some((p) => p.step === 49), 'keeps the first and last step');
    }
    const window = await client.getMetricHistoryBulkInterval([runs[1].run_id], 'loss', { startStep: 10, endStep: 14, maxResults: 100 });
    assert.deepEqual(
      window.map((p) => p.step),
      [10, 11, 12, 13, 14],
    );
    assert.equal(window[0].value, 2 / 11);
  });

  it('lists experiments page by page', async () => {
    const prefix = uniqueName('exp-page');
    await Promise.all([0, 1, 2, 3, 4].map((i) => client.createExperiment(`${prefix}-${i}`)));
    const all = await collectAll((pageToken) =>
      client.searchExperiments({ filter: `name LIKE '${prefix}-%'`, maxResults: 2, pageToken, orderBy: ['name ASC'] }),
    );
    assert.deepEqual(
      all.map((e) => e.name),
      [0, 1, 2, 3, 4].map((i) => `${prefix}-${i}`),
    );
  });

  it('can be cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(client.searchRuns({ experimentIds: [pagedExperimentId], signal: controller.signal }), (err: unknown) => {
      return err instanceof MlflowApiError && err.errorCode === 'CANCELLED';
    });
  });
});
