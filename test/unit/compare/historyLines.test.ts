import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMetricExpression } from '../../../src/engine/compare/metricExpression';
import type { CompareRun, HistorySeries } from '../../../webview/contract';
import {
  alignHistories,
  appendRange,
  ema,
  finishColumn,
  expressionSeries,
  groupBands,
  interpolateGaps,
  mergeDetail,
  robustRange,
  seriesAgainstMetric,
  valueAtStep,
  visibleFirst,
  zoomDetail,
} from '../../../webview/compare/historyLines';

const runs: CompareRun[] = ['a', 'b', 'c'].map((id) => ({ runId: id, name: `run ${id}`, experimentId: '1', status: 'FINISHED' }));

function series(runId: string, steps: number[], values: number[], timestamps = steps.map((s) => 1_700_000_000_000 + s * 1000)): HistorySeries {
  return {
    runId,
    metricKey: 'loss',
    steps: Float64Array.from(steps),
    timestamps: Float64Array.from(timestamps),
    values: Float64Array.from(values),
    sampled: false,
    exact: true,
  };
}

describe('chart columns of a metric (historyLines)', () => {
  it('runs logged at the same steps share one x column; runs without points are left out', () => {
    const list = [series('a', [0, 1, 2], [3, 2, 1]), series('c', [0, 1, 2], [6, 5, 4])];
    const aligned = alignHistories(runs, list, 'step', 1000);
    assert.deepEqual([...aligned.x], [0, 1, 2]);
    assert.deepEqual(aligned.ys, [
      [3, 2, 1],
      [6, 5, 4],
    ]);
    assert.deepEqual(aligned.runIndexes, [0, 2]);
  });

  it('joins different steps on their union with gaps, and turns NaN and ±Infinity into gaps', () => {
    const list = [series('a', [0, 2, 4], [1, NaN, 3]), series('b', [1, 2, 5], [Infinity, 7, 8])];
    const aligned = alignHistories(runs, list, 'step', 1000);
    assert.deepEqual([...aligned.x], [0, 1, 2, 4, 5]);
    assert.deepEqual(aligned.ys, [
      [1, null, null, 3, null],
      [null, null, 7, null, 8],
    ]);
  });

  it('wall and relative time: ordered by time, one value per x (the last logged wins), seconds', () => {
    // Step 2 was logged before step 1; steps 3 and 4 at the same millisecond.
    const s = series('a', [0, 1, 2, 3, 4], [10, 11, 12, 13, 14], [1000, 3000, 2000, 4000, 4000]);
    const wall = alignHistories(runs, [s], 'wall', 1000);
    assert.deepEqual([...wall.x], [1, 2, 3, 4]);
    assert.deepEqual(wall.ys, [[10, 12, 11, 14]]);
    const relative = alignHistories(runs, [s], 'relative', 1000);
    assert.deepEqual([...relative.x], [0, 1, 2, 3]);
  });

  it('thins long histories to the budget, keeping the first, last and extreme points', () => {
    const n = 50_000;
    const steps = Array.from({ length: n }, (_, i) => i);
    const values = steps.map((i) => Math.sin(i / 100));
    values[31_337] = 99;
    const aligned = alignHistories(runs, [series('a', steps, values)], 'step', 1000);
    assert.ok(aligned.x.length <= 1000 && aligned.x.length >= 500, `${aligned.x.length} points`);
    assert.equal(aligned.x[0], 0);
    assert.equal(aligned.x.at(-1), n - 1);
    assert.equal(aligned.ys[0][aligned.x.indexOf(31_337)], 99);
  });

  it('is built once per series list and x mode: a redraw with other smoothing or log reuses it', () => {
    const list = [series('a', [0, 1, 2], [3, 2, 1]), series('b', [0, 2, 3], [1, 2, 3])];
    const first = alignHistories(runs, list, 'step', 1000);
    assert.equal(alignHistories(runs, list, 'step', 1000), first);
    const wall = alignHistories(runs, list, 'wall', 1000);
    assert.notEqual(wall, first);
    assert.deepEqual(
      [...wall.x],
      [...first.x].map((s) => 1_700_000_000 + s),
    );
    // Another list (new data) is aligned anew even for equal content.
    assert.notEqual(alignHistories(runs, [...list], 'step', 1000), first);
  });

  it('smoothing a joined column equals smoothing each run on its own; log scale drops values ≤ 0', () => {
    const list = [series('a', [0, 2, 4, 6], [4, 2, 8, 1]), series('b', [1, 2, 3], [5, 0, -1])];
    const aligned = alignHistories(runs, list, 'step', 1000);
    const smoothed = finishColumn(aligned.ys[0], 0.6, false).filter((v) => v !== null);
    assert.deepEqual(smoothed, ema([4, 2, 8, 1], 0.6));
    assert.deepEqual(finishColumn(aligned.ys[1], 0, true), [null, 5, null, null, null, null]);
    assert.equal(finishColumn(aligned.ys[0], 0, false), aligned.ys[0]);
  });

  it("mergeDetail puts a zoomed range's detail between the overview's points outside it", () => {
    const overview = [series('a', [0, 10, 20, 30, 40], [5, 4, 3, 2, 1]), series('b', [0, 40], [9, 8])];
    overview[0].sampled = true;
    overview[0].min = 1;
    overview[0].max = 5;
    const detail = [series('a', [11, 12, 13, 14, 15], [3.9, 3.8, 30, 3.6, 3.5]), series('c', [12], [7])];
    detail[0].min = 3.5;
    detail[0].max = 30;
    const merged = mergeDetail(overview, detail, { startStep: 11, endStep: 25 });
    assert.deepEqual(
      merged.map((s) => s.runId),
      ['a', 'b', 'c'],
    );
    assert.deepEqual([...merged[0].steps], [0, 10, 11, 12, 13, 14, 15, 30, 40], "the overview's step 20 inside the range gives way to the detail");
    assert.deepEqual([...merged[0].values], [5, 4, 3.9, 3.8, 30, 3.6, 3.5, 2, 1]);
    assert.deepEqual([merged[0].sampled, merged[0].min, merged[0].max], [true, 1, 30]);
    assert.deepEqual([...merged[1].steps], [0, 40], 'a run without detail keeps its overview outside the range');
    assert.deepEqual([...merged[2].steps], [12]);
    assert.notEqual(merged[0], overview[0]);
    // Aligned again as a new series list: the new points are drawn.
    assert.deepEqual([...alignHistories(runs, merged, 'step', 1000).x], [0, 10, 11, 12, 13, 14, 15, 30, 40]);
  });

  it('visibleFirst: keys on screen first, each part in its order', () => {
    assert.deepEqual(
      visibleFirst(['a', 'b', 'c', 'd'], (k) => k === 'c' || k === 'd'),
      ['c', 'd', 'a', 'b'],
    );
    assert.deepEqual(
      visibleFirst(['a', 'b'], () => false),
      ['a', 'b'],
    );
  });

  it("interpolateGaps fills a run's gaps linearly on x, not outside its first and last point", () => {
    assert.deepEqual(interpolateGaps(Float64Array.from([0, 1, 3, 4, 5]), [null, 2, null, 8, null]), [null, 2, 6, 8, null]);
  });

  it("groupBands: mean, min and max of each group's runs at every x; runs sampled at other steps count between their points", () => {
    const list = [series('a', [0, 2, 4], [1, 3, 5]), series('b', [0, 1, 2, 3, 4], [3, 3, 3, 3, 3]), series('c', [0, 4], [10, 20])];
    const aligned = alignHistories(runs, list, 'step', 1000);
    assert.deepEqual([...aligned.x], [0, 1, 2, 3, 4]);
    const [ab, c] = groupBands(aligned, [{ runIndexes: [0, 1] }, { runIndexes: [2] }]);
    assert.deepEqual(ab.runIndexes, [0, 1]);
    assert.deepEqual(ab.mean, [2, 2.5, 3, 3.5, 4]);
    assert.deepEqual(ab.min, [1, 2, 3, 3, 3]);
    assert.deepEqual(ab.max, [3, 3, 3, 4, 5]);
    assert.deepEqual(c.mean, [10, 12.5, 15, 17.5, 20]);
    assert.deepEqual(c.min, c.max);
    // A group none of whose runs has points is left out.
    assert.equal(groupBands(alignHistories(runs, [list[0]], 'step', 1000), [{ runIndexes: [1, 2] }]).length, 0);
  });

  it('appendRange: from after the earliest last step of the running runs to the end; none when nothing runs', () => {
    const list = [series('a', [0, 5, 9], [1, 2, 3]), series('b', [0, 7], [1, 2]), series('c', [0, 3], [1, 1])];
    assert.deepEqual(appendRange(list, ['a', 'b']), { startStep: 8, endStep: Number.MAX_SAFE_INTEGER });
    assert.deepEqual(appendRange(list, ['a']), { startStep: 10, endStep: Number.MAX_SAFE_INTEGER });
    assert.equal(appendRange(list, []), undefined);
    // A running run that has logged nothing yet: everything.
    assert.equal(appendRange(list, ['a', 'z'])!.startStep, Number.MIN_SAFE_INTEGER);
    // What arrives is appended after the drawn points (mergeDetail with that range).
    const grown = mergeDetail(list, [series('a', [10, 11], [4, 5])], appendRange(list, ['a'])!);
    assert.deepEqual([...grown[0].steps], [0, 5, 9, 10, 11]);
    assert.deepEqual([...grown[1].steps], [0, 7]);
  });
  it('robustRange: 5th to 95th percentile of the drawn values, padded; a spike does not set the range', () => {
    // 0..99 on two lines, one spike of 1e6, gaps and NaN ignored.
    const a: (number | null)[] = Array.from({ length: 100 }, (_, i) => i);
    const b: (number | null)[] = [...a.slice(0, 50), null, Number.NaN, 1e6];
    const [lo, hi] = robustRange([a, b])!;
    assert.ok(lo < 5 && lo > -10, `low end ${lo}`);
    assert.ok(hi > 90 && hi < 110, `high end ${hi}: the spike is outside`);
    // Log scale: positive values only, no padding below zero.
    const [llo] = robustRange([[0, -1, 1, 10, 100]], { log: true })!;
    assert.ok(llo > 0);
    assert.equal(robustRange([[null, Number.NaN]]), undefined);
    assert.deepEqual(robustRange([[3, 3, 3]]), [2.85, 3.15]);
  });
  it("expressionSeries: an expression per run at the first metric's steps, the others interpolated", () => {
    const mk = (runId: string, metricKey: string, steps: number[], values: number[]): HistorySeries => ({
      runId,
      metricKey,
      steps: Float64Array.from(steps),
      timestamps: Float64Array.from(steps.map((s) => 1000 + s)),
      values: Float64Array.from(values),
      sampled: false,
      exact: true,
    });
    assert.equal(valueAtStep(mk('r', 'm', [0, 10], [0, 100]), 4), 40);
    assert.equal(valueAtStep(mk('r', 'm', [0, 10], [0, 100]), 10), 100);
    assert.ok(Number.isNaN(valueAtStep(mk('r', 'm', [0, 10], [0, 100]), 11)));
    const histories = new Map([
      ['val_loss', [mk('a', 'val_loss', [0, 5, 10], [1, 0.8, 0.6]), mk('b', 'val_loss', [0, 10], [2, 1])]],
      ['train_loss', [mk('a', 'train_loss', [0, 10], [0.5, 0.1])]],
    ]);
    const expr = parseMetricExpression('val_loss - train_loss');
    const out = expressionSeries(expr, (k) => histories.get(k), ['a', 'b'])!;
    assert.deepEqual(
      out.map((s) => [s.runId, s.metricKey, [...s.steps]]),
      [
        ['a', 'val_loss - train_loss', [0, 5, 10]],
        ['b', 'val_loss - train_loss', [0, 10]],
      ],
    );
    assert.deepEqual(
      [...out[0].values].map((v) => Number(v.toFixed(6))),
      [0.5, 0.5, 0.5],
    );
    // Run b has no train_loss: no values (gaps), not made-up ones.
    assert.ok([...out[1].values].every((v) => Number.isNaN(v)));
    assert.equal(
      expressionSeries(parseMetricExpression('val_loss / acc'), (k) => histories.get(k), ['a']),
      undefined,
      'acc is not loaded yet',
    );
  });
  it("seriesAgainstMetric: each run's values keyed by its x metric at the same step, ordered by it", () => {
    const mk = (runId: string, steps: number[], values: number[]): HistorySeries => ({
      runId,
      metricKey: 'm',
      steps: Float64Array.from(steps),
      timestamps: Float64Array.from(steps),
      values: Float64Array.from(values),
      sampled: false,
      exact: true,
    });
    const loss = [mk('a', [0, 1, 2, 3], [4, 3, 2, 1]), mk('b', [0, 1], [9, 8])];
    // tokens seen: logged at steps 0 and 2 only for run a (step 1 interpolated, step 3 has none); none for b.
    const tokens = [mk('a', [0, 2], [100, 300])];
    const out = seriesAgainstMetric(loss, tokens);
    assert.deepEqual(
      out.map((s) => [s.runId, [...s.steps], [...s.values]]),
      [['a', [100, 200, 300], [4, 3, 2]]],
    );
  });

  it('zoomDetail: a zoom on the step axis asks for the whole steps of the range, of a metric or of each metric an expression reads', () => {
    const expression = parseMetricExpression('val_loss - train_loss * val_loss');
    assert.deepEqual(zoomDetail({ metricKey: 'loss' }, { xMode: 'step' }, 10.4, 20.2), { metricKeys: ['loss'], range: { startStep: 10, endStep: 21 } });
    assert.deepEqual(zoomDetail({ expression }, { xMode: 'step' }, -3.5, 7), { metricKeys: ['val_loss', 'train_loss'], range: { startStep: -4, endStep: 7 } });
    // Against another metric's values: a metric's zoom is not over steps; an expression's chart stays on steps.
    assert.equal(zoomDetail({ metricKey: 'loss' }, { xMode: 'step', xMetric: 'acc' }, 1, 2), undefined);
    assert.deepEqual(zoomDetail({ expression }, { xMode: 'step', xMetric: 'acc' }, 1, 2)?.range, { startStep: 1, endStep: 2 });
    for (const xMode of ['wall', 'relative'] as const) assert.equal(zoomDetail({ expression }, { xMode }, 1, 2), undefined, xMode);
    assert.equal(zoomDetail({ expression: { metrics: [] } }, { xMode: 'step' }, 1, 2), undefined);
    assert.equal(zoomDetail({ metricKey: 'loss' }, { xMode: 'step' }, Number.NaN, 2), undefined);
    assert.deepEqual(zoomDetail({ metricKey: 'loss' }, { xMode: 'step' }, -1e300, 1e300)?.range, {
      startStep: Number.MIN_SAFE_INTEGER,
      endStep: Number.MAX_SAFE_INTEGER,
    });
  });

  it("a zoomed expression's series, computed again from its metrics' merged detail, has every step of the range", () => {
    const steps = (from: number, to: number, by: number) => Array.from({ length: Math.floor((to - from) / by) + 1 }, (_, i) => from + i * by);
    const mk = (metricKey: string, at: number[], f: (step: number) => number, sampled: boolean): HistorySeries => ({
      ...series('a', at, at.map(f)),
      metricKey,
      sampled,
    });
    const val = (step: number) => 2 / (1 + step);
    const train = (step: number) => 1 / (1 + step);
    // The overviews: every 10th step of 0..999 (sampled).
    const histories = new Map([
      ['val_loss', [mk('val_loss', steps(0, 999, 10), val, true)]],
      ['train_loss', [mk('train_loss', steps(0, 999, 10), train, true)]],
    ]);
    const expression = parseMetricExpression('val_loss - train_loss');
    const inRange = (s: { steps: Float64Array }) => [...s.steps].filter((x) => x >= 100 && x <= 200);
    assert.equal(inRange(expressionSeries(expression, (k) => histories.get(k), ['a'])![0]).length, 11);
    // The zoom asks for both metrics' steps 100..200; their detail is merged into the overviews.
    const { metricKeys, range } = zoomDetail({ expression }, { xMode: 'step' }, 100, 200)!;
    assert.deepEqual(metricKeys, ['val_loss', 'train_loss']);
    for (const key of metricKeys) {
      const f = key === 'val_loss' ? val : train;
      histories.set(key, mergeDetail(histories.get(key)!, [mk(key, steps(range.startStep, range.endStep, 1), f, false)], range));
    }
    const zoomed = expressionSeries(expression, (k) => histories.get(k), ['a'])![0];
    assert.deepEqual(inRange(zoomed), steps(100, 200, 1));
    // Exact values at the new steps (not interpolated between the overview's), the overview kept outside the range.
    const at = (step: number) => zoomed.values[[...zoomed.steps].indexOf(step)];
    assert.equal(at(155), val(155) - train(155));
    assert.equal(zoomed.steps[0], 0);
    assert.equal(zoomed.steps.at(-1), 990);
    assert.equal(zoomed.steps.length, 100 - 11 + 101);
  });
});
