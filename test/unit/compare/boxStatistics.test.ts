import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boxStats, type BoxStats } from '../../../src/engine/compare/boxStatistics';

/** Figures to 1e-12 (numpy's interpolation may round the last bit differently), outliers exactly. */
function assertBox(actual: BoxStats | undefined, expected: Omit<BoxStats, 'count' | 'outlierIndexes'> & { count: number; outlierIndexes: number[] }): void {
  assert.ok(actual, 'a box');
  for (const key of ['min', 'q1', 'median', 'q3', 'max', 'lowWhisker', 'highWhisker'] as const) {
    assert.ok(Math.abs(actual[key] - expected[key]) < 1e-12, `${key}: ${actual[key]}, expected ${expected[key]}`);
  }
  assert.equal(actual.count, expected.count);
  assert.deepEqual(actual.outliers, expected.outliers);
  assert.deepEqual(actual.outlierIndexes, expected.outlierIndexes);
}

describe('box statistics', () => {
  it('quartiles by linear interpolation between closest ranks, Tukey whiskers at 1.5 IQR, outliers beyond (as the panel draws)', () => {
    // The panel's figures since the box plot came in (this case is its first test's, unchanged).
    assert.deepEqual(boxStats([1, 2, 3, 4, 5, 6, 7, 8, 100, undefined, Number.NaN]), {
      count: 9,
      min: 1,
      q1: 3,
      median: 5,
      q3: 7,
      max: 100,
      lowWhisker: 1,
      highWhisker: 8,
      outliers: [100],
      outlierIndexes: [8],
    });
  });

  it("equals numpy.percentile's default (linear) quartiles, whatever the order of the values", () => {
    // Expected: numpy 2 np.percentile(a, [25, 50, 75]); whiskers and outliers from them by hand.
    assertBox(boxStats([0.31, 0.27, 0.45, 0.29, 0.9, 0.33, 0.28]), {
      count: 7,
      min: 0.27,
      q1: 0.285,
      median: 0.31,
      q3: 0.39,
      max: 0.9,
      lowWhisker: 0.27,
      highWhisker: 0.45,
      outliers: [0.9],
      outlierIndexes: [4],
    });
    // Outliers on both sides, ascending, each with where it was given.
    assertBox(boxStats([10, 1, 2, 3, 4, -50, 2.5, 3.5]), {
      count: 8,
      min: -50,
      q1: 1.75,
      median: 2.75,
      q3: 3.625,
      max: 10,
      lowWhisker: 1,
      highWhisker: 4,
      outliers: [-50, 10],
      outlierIndexes: [5, 0],
    });
  });

  it('one value: every figure is that value, no outlier', () => {
    assert.deepEqual(boxStats([3]), { count: 1, min: 3, q1: 3, median: 3, q3: 3, max: 3, lowWhisker: 3, highWhisker: 3, outliers: [], outlierIndexes: [] });
  });

  it('two values: quartiles a quarter of the way in from each, whiskers at the values', () => {
    assert.deepEqual(boxStats([5, 2]), {
      count: 2,
      min: 2,
      q1: 2.75,
      median: 3.5,
      q3: 4.25,
      max: 5,
      lowWhisker: 2,
      highWhisker: 5,
      outliers: [],
      outlierIndexes: [],
    });
  });

  it('all equal: a flat box (IQR 0) and no outliers; a different value beside equal ones is one', () => {
    assert.deepEqual(boxStats([4, 4, 4, 4]), {
      count: 4,
      min: 4,
      q1: 4,
      median: 4,
      q3: 4,
      max: 4,
      lowWhisker: 4,
      highWhisker: 4,
      outliers: [],
      outlierIndexes: [],
    });
    const spike = boxStats([4, 4, 4, 4, 4.5]);
    assert.deepEqual([spike?.q1, spike?.q3, spike?.highWhisker, spike?.outliers, spike?.outlierIndexes], [4, 4, 4, [4.5], [4]]);
  });

  it('NaN, ±Infinity, undefined and null are left out (indexes still count them); none finite: no box', () => {
    const box = boxStats([Number.NaN, 1, undefined, Number.POSITIVE_INFINITY, 2, null, 3, Number.NEGATIVE_INFINITY, 40]);
    assert.equal(box?.count, 4);
    assert.deepEqual([box?.min, box?.median, box?.max], [1, 2.5, 40]);
    assert.deepEqual([box?.outliers, box?.outlierIndexes], [[40], [8]]);
    assert.equal(boxStats([]), undefined);
    assert.equal(boxStats([undefined, null]), undefined);
    assert.equal(boxStats([Number.NaN, Number.POSITIVE_INFINITY]), undefined);
  });

  it('equal outliers keep the order they were given in', () => {
    const box = boxStats([9, 1, 1, 1, 1, 1, 1, 1, 9]);
    assert.deepEqual(
      [box?.outliers, box?.outlierIndexes],
      [
        [9, 9],
        [0, 8],
      ],
    );
  });
});
