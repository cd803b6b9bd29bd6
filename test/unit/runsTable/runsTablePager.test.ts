import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MlflowRun, Page } from '../../../src/engine/mlflow/mlflowTypes';
import { RunsTablePager } from '../../../src/engine/runsTable/runsTablePager';

/** A search over `total` runs answering with offset tokens, recording each request. */
function fakeSearch(total: number) {
  const calls: { pageToken?: string; maxResults?: number; filter?: string; orderBy?: string[] }[] = [];
  return {
    calls,
    client: {
      async searchRuns(o: { pageToken?: string; maxResults?: number; filter?: string; orderBy?: string[] }): Promise<Page<MlflowRun>> {
        calls.push({ pageToken: o.pageToken, maxResults: o.maxResults, filter: o.filter, orderBy: o.orderBy });
        const offset = o.pageToken ? Number(o.pageToken) : 0;
        const n = Math.min(o.maxResults ?? 1000, total - offset);
        const items = Array.from({ length: n }, (_, i) => ({
          info: { run_id: `r${offset + i}`, experiment_id: '1', status: 'FINISHED' as const, lifecycle_stage: 'active' },
          data: {},
        }));
        return { items, nextPageToken: offset + n < total ? String(offset + n) : undefined };
      },
    },
  };
}

describe('runs table pager', () => {
  it('reads pages in order with page tokens, passes filter and order_by, and counts', async () => {
    const { client, calls } = fakeSearch(25);
    const pager = new RunsTablePager(client, { experimentIds: ['1'], filter: 'metrics.x > 1', orderBy: ['metrics.x DESC'], pageSize: 10 });
    const third = await pager.page(2);
    assert.deepEqual(
      third.rows.map((r) => r.runId),
      ['r20', 'r21', 'r22', 'r23', 'r24'],
    );
    assert.equal(third.last, true);
    assert.deepEqual(
      calls.map((c) => c.pageToken),
      [undefined, '10', '20'],
      'the pages before were read for their tokens',
    );
    assert.deepEqual(calls[0], { pageToken: undefined, maxResults: 10, filter: 'metrics.x > 1', orderBy: ['metrics.x DESC'] });
    assert.deepEqual(pager.count, { runs: 25, complete: true });
    assert.deepEqual(await pager.page(5), { index: 5, rows: [], last: true });
    assert.equal(calls.length, 3);
  });

  it('keeps only the most recently used pages and reads an evicted one again with its token', async () => {
    const { client, calls } = fakeSearch(100);
    const pager = new RunsTablePager(client, { experimentIds: ['1'], pageSize: 10 }, 3);
    for (let i = 0; i < 6; i++) await pager.page(i);
    assert.equal(calls.length, 6);
    assert.deepEqual(pager.count, { runs: 60, complete: false });
    await pager.page(5);
    assert.equal(calls.length, 6, 'page 5 was cached');
    const again = await pager.page(1);
    assert.equal(again.rows[0].runId, 'r10');
    assert.deepEqual(
      calls.slice(6).map((c) => c.pageToken),
      ['10'],
      'one request, with the kept token',
    );
  });

  it('shares a request in flight and collects everything for select-all', async () => {
    const { client, calls } = fakeSearch(35);
    const pager = new RunsTablePager(client, { experimentIds: ['1'], pageSize: 10 });
    await Promise.all([pager.page(0), pager.page(0), pager.page(1)]);
    assert.equal(calls.length, 2);
    const all = await pager.all(1000);
    assert.equal(all.rows.length, 35);
    assert.equal(all.truncated, false);
    assert.deepEqual((await pager.all(15)).rows.length, 15);
  });
});
