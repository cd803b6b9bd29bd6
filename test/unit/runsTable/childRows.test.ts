import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChildRows } from '../../../webview/runsTable/childRows';
import type { RunsTableRow } from '../../../webview/contract';

const child = (id: string, parent: string): RunsTableRow => ({
  runId: id,
  experimentId: '1',
  name: id,
  status: 'FINISHED',
  lifecycleStage: 'active',
  parentRunId: parent,
  params: {},
  metrics: {},
  tags: {},
});

/** What each display position shows: a table index as a number, a child as its run id. */
function drawn(c: ChildRows, n: number): (number | string)[] {
  return Array.from({ length: n }, (_, d) => {
    const r = c.at(d);
    return r.kind === 'run' ? r.index : r.row.runId;
  });
}

describe('runs table: parent rows expanded to their children', () => {
  it('draws the children right under their parent and shifts the rows after', () => {
    const c = new ChildRows();
    assert.deepEqual(drawn(c, 4), [0, 1, 2, 3]);
    c.request('p5', 5);
    c.request('p1', 1);
    assert.ok(c.isPending('p1') && c.isOpen('p1'));
    assert.deepEqual(drawn(c, 4), [0, 1, 2, 3], 'nothing moves before the children come');
    assert.ok(c.receive('p5', [child('c5a', 'p5')]));
    assert.ok(c.receive('p1', [child('c1a', 'p1'), child('c1b', 'p1')]));
    assert.deepEqual(drawn(c, 11), [0, 1, 'c1a', 'c1b', 2, 3, 4, 5, 'c5a', 6, 7]);
    assert.equal(c.extra, 3);
    assert.deepEqual(c.expanded, ['p1', 'p5']);
    const last = c.at(3);
    assert.ok(last.kind === 'child' && last.last && last.parentRunId === 'p1');
    assert.equal(c.displayOf(1), 1);
    assert.equal(c.displayOf(2), 4);
    assert.equal(c.displayOf(6), 9);
    // A child counts as its parent when the table asks which of its rows are on screen.
    assert.deepEqual(c.tableRange(2, 8), [1, 5]);
    c.collapse('p1');
    assert.deepEqual(drawn(c, 8), [0, 1, 2, 3, 4, 5, 'c5a', 6]);
  });

  it('remembers a run without children, ignores answers for collapsed parents, and forgets all on a new query', () => {
    const c = new ChildRows();
    c.request('p0', 0);
    assert.equal(c.receive('p0', []), false);
    assert.ok(c.leaves.has('p0'));
    assert.equal(c.isOpen('p0'), false);
    c.request('p2', 2);
    c.collapse('p2');
    assert.equal(c.receive('p2', [child('x', 'p2')]), false, 'collapsed before the answer');
    assert.deepEqual(drawn(c, 3), [0, 1, 2]);
    c.request('p2', 2);
    c.receive('p2', [child('x', 'p2')]);
    assert.ok(c.update([{ ...child('x', 'p2'), status: 'FAILED' }]));
    const x = c.at(3);
    assert.ok(x.kind === 'child' && x.row.status === 'FAILED');
    c.clear();
    assert.equal(c.extra, 0);
    assert.equal(c.leaves.size, 0);
    assert.deepEqual(c.expanded, []);
  });
});
