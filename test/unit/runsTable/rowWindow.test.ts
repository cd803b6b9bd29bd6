import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunsTableRow } from '../../../src/engine/runsTable/runsTableColumns';
import { RowWindow } from '../../../webview/runsTable/rowWindow';

const rows = (from: number, n: number): RunsTableRow[] =>
  Array.from({ length: n }, (_, i) => ({
    runId: `r${from + i}`,
    experimentId: '1',
    name: `run ${from + i}`,
    status: 'FINISHED',
    lifecycleStage: 'active',
    params: {},
    metrics: {},
    tags: {},
  }));

describe('runs table row window', () => {
  it('asks for the pages in view and one ahead, never twice, and not the first page the query brings', () => {
    const window = new RowWindow(10);
    window.expect(0);
    assert.deepEqual(window.need(0, 5), [1]);
    assert.deepEqual(window.need(0, 5), [], 'asked already');
    window.put(1, rows(10, 10), false, { runs: 20, complete: false });
    assert.deepEqual(window.need(12, 25), [2, 3]);
  });

  it('asks again, once, for a page of which only the first screen came, and keeps the rows meanwhile', () => {
    const window = new RowWindow(10);
    window.expect(0);
    assert.equal(window.put(0, rows(0, 4), false, { runs: 4, complete: false }, true), false, 'nothing was held for page 0');
    assert.equal(window.row(3)?.runId, 'r3');
    assert.equal(window.row(4), undefined, 'the rest of the page is still to come');
    assert.deepEqual(window.need(0, 5), [0, 1], 'the whole of page 0, and the page ahead');
    assert.deepEqual(window.need(0, 5), [], 'asked already');
    assert.equal(
      window.put(0, rows(0, 10), false, { runs: 10, complete: false }),
      true,
      'the whole page only adds rows after the first screen: those drawn stay',
    );
    assert.equal(window.row(9)?.runId, 'r9');
    assert.equal(window.put(1, rows(10, 3), true, { runs: 13, complete: true }), false);
    assert.deepEqual(window.need(0, 12), [], 'a short last page is whole: never asked again');
    assert.equal(window.rowCount, 13);
  });

  it('tells a page that only adds rows from one read again differently (its rows are drawn again)', () => {
    const window = new RowWindow(10);
    window.put(0, rows(0, 4), false, { runs: 4, complete: false }, true);
    const reordered = rows(0, 10).reverse();
    assert.equal(window.put(0, reordered, false, { runs: 10, complete: false }), false, 'other runs first');
    assert.equal(window.put(0, rows(0, 3), false, { runs: 10, complete: false }), false, 'fewer rows');
  });
});
