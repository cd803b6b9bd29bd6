import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeRun, formatDuration, formatMetric, RunPager } from '../../../src/engine/explorer/runListing';
import type { MlflowRestClient } from '../../../src/engine/mlflow/mlflowRestClient';
import type { MlflowRun, Page } from '../../../src/engine/mlflow/mlflowTypes';

function run(id: string, parent?: string, status: MlflowRun['info']['status'] = 'FINISHED'): MlflowRun {
  return {
    info: { run_id: id, run_name: `run-${id}`, experiment_id: '1', status, lifecycle_stage: 'active', start_time: 1_000, end_time: 61_000 },
    data: { tags: parent ? [{ key: 'mlflow.parentRunId', value: parent }] : [], metrics: [{ key: 'rmse', value: 0.123456, timestamp: 0, step: 0 }] },
  };
}

/** A client whose searchRuns serves fixed pages and records the calls. */
function pagedClient(pages: MlflowRun[][]): { client: MlflowRestClient; calls: (string | undefined)[] } {
  const calls: (string | undefined)[] = [];
  const client = {
    async searchRuns(opts: { pageToken?: string }): Promise<Page<MlflowRun>> {
      calls.push(opts.pageToken);
      const index = opts.pageToken ? Number(opts.pageToken) : 0;
      return { items: pages[index], nextPageToken: index + 1 < pages.length ? String(index + 1) : undefined };
    },
  } as unknown as MlflowRestClient;
  return { client, calls };
}

describe('RunPager', () => {
  it('pages with the token until there is none, one request per page', async () => {
    const { client, calls } = pagedClient([[run('a'), run('b')], [run('c')]]);
    const pager = new RunPager(client, '1');
    assert.equal(pager.hasMore, true);
    await pager.loadNextPage();
    assert.equal(pager.hasMore, true);
    await pager.loadNextPage();
    assert.equal(pager.hasMore, false);
    assert.deepEqual(await pager.loadNextPage(), []);
    assert.deepEqual(calls, [undefined, '1']);
    assert.deepEqual(
      pager.runs.map((r) => r.info.run_id),
      ['a', 'b', 'c'],
    );
  });

  it('nests child runs under their parent and shows orphans at the top once all pages are in', async () => {
    const { client } = pagedClient([[run('child', 'parent'), run('orphan', 'gone')], [run('parent')]]);
    const pager = new RunPager(client, '1');
    await pager.loadNextPage();
    assert.deepEqual(
      pager.topLevel().map((r) => r.info.run_id),
      [],
    );
    await pager.loadNextPage();
    assert.deepEqual(
      pager.topLevel().map((r) => r.info.run_id),
      ['orphan', 'parent'],
    );
    assert.deepEqual(
      pager.childrenOf('parent').map((r) => r.info.run_id),
      ['child'],
    );
  });

  it('reports running runs so the tree can refresh them', async () => {
    const { client } = pagedClient([[run('a', undefined, 'RUNNING'), run('b')]]);
    const pager = new RunPager(client, '1');
    await pager.loadNextPage();
    assert.deepEqual(
      pager.active().map((r) => r.info.run_id),
      ['a'],
    );
  });
});

describe('run descriptions', () => {
  it('shows the key metric, start and duration', () => {
    const { label, description } = describeRun(run('abc'), 'rmse');
    assert.equal(label, 'run-abc');
    assert.match(description, /^rmse=0\.1235 · \d{4}-\d\d-\d\d \d\d:\d\d · 1m 0s$/);
  });
  it('formats durations and metrics compactly', () => {
    assert.equal(formatDuration(5_400), '5s');
    assert.equal(formatDuration(3_726_000), '1h 2m');
    assert.equal(formatMetric(12), '12');
    assert.equal(formatMetric(0.00001234), '1.234e-5');
  });
});
