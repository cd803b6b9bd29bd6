import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MlflowRun, Page } from '../../../src/engine/mlflow/mlflowTypes';
import type { RunsTableQuery } from '../../../src/engine/runsTable/runsSearchExpression';
import { RunsTableSession } from '../../../src/engine/runsTable/runsTableSession';
import { DEFAULT_RUNS_TABLE_QUERY } from '../../../src/engine/runsTable/runsSearchExpression';

interface Call {
  pageToken?: string;
  maxResults?: number;
  filter?: string;
  orderBy?: string[];
}

/** runs/search over `total` runs (offset tokens), each with a param and a metric; children answer the parent filter. */
function fakeServer(total: number) {
  const calls: Call[] = [];
  const run = (id: string, extra: Partial<MlflowRun['data']> = {}): MlflowRun => ({
    info: { run_id: id, experiment_id: '1', status: 'FINISHED', lifecycle_stage: 'active' },
    data: { params: [{ key: 'lr', value: '0.1' }], metrics: [{ key: 'loss', value: 0.5, timestamp: 0, step: 0 }], ...extra },
  });
  return {
    calls,
    client: {
      async searchRuns(o: Call): Promise<Page<MlflowRun>> {
        calls.push({ pageToken: o.pageToken, maxResults: o.maxResults, filter: o.filter, orderBy: o.orderBy });
        if (o.filter?.includes('mlflow.parentRunId'))
          return {
            items: [
              run('child-1', {
                tags: [
                  { key: 'mlflow.parentRunId', value: 'r0' },
                  { key: 'fold', value: '1' },
                ],
              }),
            ],
            nextPageToken: undefined,
          };
        const offset = o.pageToken ? Number(o.pageToken) : 0;
        const n = Math.min(o.maxResults ?? 1000, total - offset);
        return { items: Array.from({ length: n }, (_, i) => run(`r${offset + i}`)), nextPageToken: offset + n < total ? String(offset + n) : undefined };
      },
    },
  };
}

/** A new table's query (no filter, no sort, active runs) with `more` changed. */
const spec = (queryId: number, more: Partial<RunsTableQuery> = {}): RunsTableQuery => ({ ...DEFAULT_RUNS_TABLE_QUERY, queryId, ...more });
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('runs table session (what the panel does with the server)', () => {
  it('compiles the query, sends new columns once, and reads the next two pages ahead', async () => {
    const { client, calls } = fakeServer(25);
    const session = new RunsTableSession(
      () => client,
      ['1'],
      () => 10,
    );
    const compiled = session.start(spec(1, { expression: 'metrics.loss < 1', sort: [{ columnId: 'metrics.loss', descending: true }] }));
    assert.deepEqual(compiled, { filter: 'metrics.loss < 1', orderBy: ['metrics.loss DESC', 'attributes.start_time DESC'], errors: {}, empty: false });
    const first = await session.page(1, 0);
    assert.deepEqual(first?.page.rows.map((r) => r.runId).slice(0, 2), ['r0', 'r1']);
    assert.ok(first?.columns?.some((c) => c.id === 'metrics.loss') && first.columns.some((c) => c.id === 'params.lr'));
    await settle();
    assert.deepEqual(
      calls.map((c) => [c.pageToken, c.maxResults]),
      [
        [undefined, 5],
        ['5', 5],
        ['10', 10],
        ['20', 10],
      ],
      'page 0 in two slices, then pages 1 and 2 read ahead of the scroll, in order',
    );
    const second = await session.page(1, 1);
    assert.equal(second?.columns, undefined, 'no new key: no columns message');
    assert.equal(calls.filter((c) => c.pageToken === '10').length, 1, 'the page read ahead is not read again');
    assert.deepEqual(second?.count, { runs: 25, complete: true }, 'the read-ahead reached the last page');
  });

  it("reads a parent's children with the table's filter and order, and drops answers to a replaced query", async () => {
    const { client, calls } = fakeServer(5);
    const session = new RunsTableSession(
      () => client,
      ['1'],
      () => 10,
    );
    session.start(spec(1, { expression: "params.lr = '0.1'", sort: [{ columnId: 'metrics.loss', descending: false }] }));
    const kids = await session.children(1, 'r0');
    assert.deepEqual(
      kids?.rows.map((r) => [r.runId, r.parentRunId]),
      [['child-1', 'r0']],
    );
    assert.ok(
      kids?.columns?.some((c) => c.id === 'tags.fold'),
      'a key only the children have becomes a column',
    );
    assert.deepEqual(calls.at(-1), {
      pageToken: undefined,
      maxResults: 1000,
      filter: "params.lr = '0.1' AND tags.`mlflow.parentRunId` = 'r0'",
      orderBy: ['metrics.loss', 'attributes.start_time DESC'],
    });
    session.start(spec(2));
    assert.equal(await session.children(1, 'r0'), undefined);
    assert.equal(await session.page(1, 0), undefined);
  });

  it('an empty star list matches nothing without asking the server', () => {
    const { client, calls } = fakeServer(5);
    const session = new RunsTableSession(
      () => client,
      ['1'],
      () => 10,
    );
    assert.equal(session.start(spec(1, { starredOnly: true }), []).empty, true);
    assert.equal(session.start(spec(2, { starredOnly: true }), ['r1']).filter, "attributes.run_id IN ('r1')");
    assert.equal(calls.length, 0);
  });

  it("learns exactly which runs have children by reading every child run (only their parent tag), with the query's filter", async () => {
    const calls: Call[] = [];
    const child = (id: string, parent: string): MlflowRun => ({
      info: { run_id: id, experiment_id: '1', status: 'FINISHED', lifecycle_stage: 'active' },
      data: { tags: [{ key: 'mlflow.parentRunId', value: parent }] },
    });
    const pages: Page<MlflowRun>[] = [
      { items: [child('c1', 'p1'), child('c2', 'p1')], nextPageToken: 't1' },
      { items: [child('c3', 'p2')], nextPageToken: undefined },
    ];
    const client = {
      async searchRuns(o: Call): Promise<Page<MlflowRun>> {
        calls.push({ pageToken: o.pageToken, filter: o.filter });
        return pages[o.pageToken ? 1 : 0];
      },
    };
    const session = new RunsTableSession(
      () => client,
      ['1'],
      () => 10,
    );
    session.start(spec(1, { expression: 'metrics.loss < 1' }));
    assert.deepEqual(await session.parents(1), { runIds: ['p1', 'p2'] });
    assert.deepEqual(calls, [
      { pageToken: undefined, filter: 'metrics.loss < 1 AND tags.`mlflow.parentRunId` IS NOT NULL' },
      { pageToken: 't1', filter: 'metrics.loss < 1 AND tags.`mlflow.parentRunId` IS NOT NULL' },
    ]);
    assert.equal(await session.parents(2), undefined, 'another query: nothing');
  });

  it('does not claim to know the parents when the server refuses IS NOT NULL or too many children match', async () => {
    const refusing = { searchRuns: async (): Promise<Page<MlflowRun>> => Promise.reject(new Error('INVALID_PARAMETER_VALUE: IS NOT NULL')) };
    const session = new RunsTableSession(
      () => refusing,
      ['1'],
      () => 10,
    );
    session.start(spec(1));
    assert.equal(await session.parents(1), undefined);
    let served = 0;
    const endless = {
      searchRuns: async (o: Call): Promise<Page<MlflowRun>> => {
        served += o.maxResults ?? 0;
        return {
          items: Array.from({ length: o.maxResults ?? 0 }, (_, i) => ({
            info: { run_id: `c${served + i}`, experiment_id: '1', status: 'FINISHED', lifecycle_stage: 'active' },
            data: { tags: [{ key: 'mlflow.parentRunId', value: `p${served + i}` }] },
          })),
          nextPageToken: 'more',
        };
      },
    };
    const capped = new RunsTableSession(
      () => endless,
      ['1'],
      () => 10,
    );
    capped.start(spec(1));
    assert.equal(await capped.parents(1), undefined);
    assert.ok(served >= 20_000 && served <= 21_000, `stopped after about 20,000 child runs (read ${served})`);
  });

  it('adopts the first page read while the webview loaded when the webview asks for the same query, and drops it for another', async () => {
    const { client, calls } = fakeServer(25);
    const session = new RunsTableSession(
      () => client,
      ['1'],
      () => 10,
    );
    session.prefetch(DEFAULT_RUNS_TABLE_QUERY);
    assert.equal(calls.length, 1, 'the first page is asked for at once');
    session.start(spec(7));
    const first = await session.page(7, 0);
    assert.deepEqual(first?.page.rows.map((r) => r.runId).slice(0, 1), ['r0']);
    assert.deepEqual(calls.map((c) => c.pageToken).slice(0, 3), [undefined, '5', '10'], 'page 0 (two slices) is not read again (then the read-ahead)');

    const other = new RunsTableSession(
      () => client,
      ['1'],
      () => 10,
    );
    calls.length = 0;
    other.prefetch(DEFAULT_RUNS_TABLE_QUERY);
    other.start(spec(1, { expression: 'metrics.loss < 1' }));
    await other.page(1, 0);
    assert.deepEqual(calls.map((c) => c.filter).slice(0, 2), [undefined, 'metrics.loss < 1'], 'a different query reads its own first page');
  });

  it("hands page 0's first rows over and reads the rest of the page only when it is asked for", async () => {
    const { client, calls } = fakeServer(25);
    const session = new RunsTableSession(
      () => client,
      ['1'],
      () => 10,
    );
    session.start(spec(1));
    const early: string[][] = [];
    const answer = await session.firstPage(1, (rows, columns) => {
      early.push(rows.map((r) => r.runId));
      assert.ok(
        columns?.some((c) => c.id === 'metrics.loss'),
        'the first rows bring their columns',
      );
    });
    await settle();
    assert.equal(answer, undefined, 'nothing more until the table asks');
    assert.deepEqual(early, [['r0', 'r1', 'r2', 'r3', 'r4']], 'the first slice');
    assert.deepEqual(
      calls.map((c) => [c.pageToken, c.maxResults]),
      [[undefined, 5]],
      'only the first slice was read: the server reads nothing else while the table paints it',
    );
    const page = await session.page(1, 0);
    assert.deepEqual(
      page?.page.rows.map((r) => r.runId),
      Array.from({ length: 10 }, (_, i) => `r${i}`),
    );
    assert.deepEqual(calls[1], { pageToken: '5', maxResults: 5, filter: undefined, orderBy: calls[0].orderBy }, "the rest of page 0 from the slice's token");
    assert.equal(early.length, 1);
    // Read in full already: the whole page, no early rows again.
    const again = await session.firstPage(1, () => assert.fail('no early rows for a page already read'));
    assert.equal(again?.page.rows.length, 10);
  });

  it('gives page 0 whole when the first slice holds every run', async () => {
    const { client, calls } = fakeServer(3);
    const session = new RunsTableSession(
      () => client,
      ['1'],
      () => 10,
    );
    session.start(spec(1));
    const answer = await session.firstPage(1, () => assert.fail('no early rows: the slice is the whole result'));
    assert.deepEqual(
      answer?.page.rows.map((r) => r.runId),
      ['r0', 'r1', 'r2'],
    );
    assert.equal(answer?.page.last, true);
    assert.deepEqual(answer?.count, { runs: 3, complete: true });
    assert.equal(calls.filter((c) => !c.filter?.includes('mlflow.parentRunId')).length, 1, 'one request');
  });
});
