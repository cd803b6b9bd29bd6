import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baselineDiff, compareToBaseline } from '../../../src/engine/compare/baselineDiff';
import type { RunComparison } from '../../../src/engine/compare/compareRuns';
import { groupableRefs, groupBoxes, groupRuns } from '../../../src/engine/compare/runGroups';

const comparison: RunComparison = {
  runs: ['a', 'b', 'c', 'd'].map((id) => ({ runId: id, name: `run-${id}`, experimentId: '1', status: 'FINISHED' })),
  params: [
    { key: 'lr', values: ['0.1', '0.2', '0.1', '0.10'], differs: true },
    { key: 'opt', values: ['adam', 'sgd', 'adam', undefined], differs: true },
    { key: 'seed', values: ['1', '1', '1', '1'], differs: false },
  ],
  metrics: [
    {
      key: 'loss',
      latest: [0.5, 0.25, 0.5, undefined],
      min: [0.4, 0.2, 0.4, undefined],
      max: [2, 2, 3, undefined],
      best: 1,
      higherIsBetter: false,
      differs: true,
    },
    { key: 'zero', latest: [0, 1, 0, 0], best: -1, higherIsBetter: false, differs: true },
  ],
  tags: [{ key: 'team', values: ['x', 'x', 'y', 'y'], differs: true }],
};

describe('baseline diff', () => {
  it("compares each value with the baseline's: numbers get delta and relative change, strings changed/added/removed", () => {
    assert.deepEqual(compareToBaseline('0.2', '0.1'), { value: '0.2', change: 'changed', delta: 0.2 - 0.1, relative: (0.2 - 0.1) / 0.1 });
    assert.deepEqual(compareToBaseline('0.10', '0.1'), { value: '0.10', change: 'same' });
    assert.deepEqual(compareToBaseline(-1, 2), { value: -1, change: 'changed', delta: -3, relative: -1.5 });
    assert.deepEqual(compareToBaseline(1, 0), { value: 1, change: 'changed', delta: 1 }, 'no relative change from 0');
    assert.deepEqual(compareToBaseline('sgd', 'adam'), { value: 'sgd', change: 'changed' });
    assert.deepEqual(compareToBaseline(undefined, 'adam'), { value: undefined, change: 'removed' });
    assert.deepEqual(compareToBaseline('adam', undefined), { value: 'adam', change: 'added' });
    assert.deepEqual(compareToBaseline(undefined, undefined), { value: undefined, change: 'missing' });
    assert.equal(compareToBaseline(NaN, NaN).change, 'same');
  });

  it('rows for params, metrics (latest, min, max) and tags; differing rows first; others in run order', () => {
    const diff = baselineDiff(comparison, 0);
    assert.deepEqual(diff.others, [1, 2, 3]);
    assert.deepEqual(
      diff.rows.map((r) => [r.section, r.key, r.stat ?? '', r.identical]),
      [
        ['param', 'lr', '', false],
        ['param', 'opt', '', false],
        ['param', 'seed', '', true],
        ['metric', 'loss', 'latest', false],
        ['metric', 'loss', 'min', false],
        ['metric', 'loss', 'max', false],
        ['metric', 'zero', 'latest', false],
        ['tag', 'team', '', false],
      ],
    );
    const loss = diff.rows.find((r) => r.key === 'loss' && r.stat === 'latest')!;
    assert.deepEqual(
      loss.cells.map((c) => [c.change, c.delta, c.relative]),
      [
        ['changed', -0.25, -0.5],
        ['same', undefined, undefined],
        ['removed', undefined, undefined],
      ],
    );
    // Against another baseline, run c's max differs from b's.
    const fromB = baselineDiff(comparison, 1);
    assert.deepEqual(fromB.others, [0, 2, 3]);
    assert.deepEqual(
      fromB.rows.find((r) => r.key === 'loss' && r.stat === 'max')!.cells.map((c) => c.change),
      ['same', 'changed', 'removed'],
    );
    assert.throws(() => baselineDiff(comparison, 4), /baseline must be one of the 4 compared runs \(index 4 given\)/);
  });
});

describe('run groups', () => {
  it('groups by a param or tag value in order of first appearance, runs without it last', () => {
    assert.deepEqual(groupRuns(comparison, 'param:opt'), [
      { label: 'opt=adam', value: 'adam', runIndexes: [0, 2] },
      { label: 'opt=sgd', value: 'sgd', runIndexes: [1] },
      { label: 'opt: none', runIndexes: [3] },
    ]);
    assert.deepEqual(
      groupRuns(comparison, 'tag:team').map((g) => g.runIndexes),
      [
        [0, 1],
        [2, 3],
      ],
    );
    // A key no run has: one group of all runs.
    assert.deepEqual(
      groupRuns(comparison, 'param:nope').map((g) => [g.label, g.runIndexes]),
      [['nope: none', [0, 1, 2, 3]]],
    );
    assert.throws(() => groupRuns(comparison, 'metric:loss'), /expected param:<key> or tag:<key>/);
  });

  it("box plot per group of a metric's latest values: outliers with their runs, runs without a value counted apart", () => {
    const boxes = groupBoxes(comparison, 'tag:team', 'loss');
    // team x: runs a and b (0.5, 0.25); team y: c (0.5) and d, which has no loss.
    assert.deepEqual(
      boxes.map((b) => [b.label, b.value, b.runIndexes, b.stats?.count, b.stats?.median, b.withoutMetric, b.notFinite]),
      [
        ['team=x', 'x', [0, 1], 2, 0.375, [], []],
        ['team=y', 'y', [2, 3], 1, 0.5, [3], []],
      ],
    );
    assert.deepEqual(
      groupBoxes(comparison, 'tag:team', 'nope').map((b) => [b.stats, b.withoutMetric]),
      [
        [undefined, [0, 1]],
        [undefined, [2, 3]],
      ],
    );
    // Outliers name their runs; a NaN latest value is left out of the box and said.
    const wide: RunComparison = {
      runs: Array.from({ length: 7 }, (_, i) => ({ runId: `r${i}`, name: `r${i}`, experimentId: '1', status: 'FINISHED' })),
      params: [{ key: 'opt', values: ['sgd', 'sgd', 'sgd', 'sgd', 'sgd', 'sgd', undefined], differs: true }],
      metrics: [{ key: 'loss', latest: [1, 1.1, 9, 1.2, Number.NaN, 0.9, 7], best: 5, higherIsBetter: false, differs: true }],
      tags: [],
    };
    assert.deepEqual(
      groupBoxes(wide, 'param:opt', 'loss').map((b) => [b.label, b.runIndexes, b.stats?.outliers, b.outlierRuns, b.notFinite]),
      [
        ['opt=sgd', [0, 1, 2, 3, 4, 5], [9], [2], [4]],
        ['opt: none', [6], [], [], []],
      ],
    );
  });

  it('offers the params and tags whose values differ and repeat', () => {
    assert.deepEqual(groupableRefs(comparison), ['param:lr', 'param:opt', 'tag:team']);
  });
});
