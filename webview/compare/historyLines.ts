// A metric's histories as chart columns: each run's line thinned, put on the chosen x, ordered and
// joined with the other runs' on one x column; then smoothing and the log scale's positivity.
// No DOM and no uPlot: the panel's charts (charts.ts) draw what this builds, and unit tests run it in Node.
import type { CompareRun, HistorySeries, StepRange } from '../contract';
import { downsampleIndices } from '../../src/engine/compare/downsample';
import { expressionSeries, valueAtStep, type MetricExpression } from '../../src/engine/compare/metricExpression';

export { expressionSeries, valueAtStep };

export type XMode = 'step' | 'wall' | 'relative';

/** TensorBoard's debiased exponential moving average; non-finite values stay gaps. */
export function ema(values: (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values;
  let last = 0;
  let count = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    last = last * weight + (1 - weight) * v;
    count++;
    return last / (1 - Math.pow(weight, count));
  });
}

/** One run's line, ready to join: x ascending without repeats, y finite or null (a gap). */
interface RunLine {
  xs: Float64Array;
  ys: (number | null)[];
}

/** Lines already built, per series and x mode/budget: redraws (smoothing, log, resize) reuse them. */
const lineCache = new WeakMap<HistorySeries, Map<string, RunLine>>();

/**
 * A series as one line: thinned to `budget` points (min/max buckets keep the spikes), x as the mode
 * asks, ordered by x, one value per x (the last logged wins: uPlot needs strictly increasing x).
 */
function runLine(s: HistorySeries, xMode: XMode, budget: number): RunLine {
  const cacheKey = `${xMode}:${budget}`;
  let cached = lineCache.get(s);
  const hit = cached?.get(cacheKey);
  if (hit) return hit;
  const { steps, timestamps, values } = s;
  const n = steps.length;
  const keep = n > budget ? downsampleIndices(values, budget) : undefined;
  const m = keep ? keep.length : n;
  let t0 = 0;
  if (xMode === 'relative') {
    t0 = Infinity;
    for (let i = 0; i < n; i++) if (timestamps[i] < t0) t0 = timestamps[i];
  }
  let xs = new Float64Array(m);
  let ys = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const i = keep ? keep[k] : k;
    xs[k] = xMode === 'step' ? steps[i] : xMode === 'wall' ? timestamps[i] / 1000 : (timestamps[i] - t0) / 1000;
    ys[k] = values[i];
  }
  let ordered = true;
  for (let k = 1; k < m && ordered; k++) ordered = xs[k - 1] <= xs[k];
  if (!ordered) {
    // Wall time need not follow the step order; a stable sort keeps the logging order of equal x.
    const order = Array.from({ length: m }, (_, k) => k).sort((a, b) => xs[a] - xs[b] || a - b);
    const [sx, sy] = [xs, ys];
    xs = Float64Array.from(order, (k) => sx[k]);
    ys = Float64Array.from(order, (k) => sy[k]);
  }
  let w = 0;
  for (let k = 0; k < m; k++) {
    if (w > 0 && xs[w - 1] === xs[k]) ys[w - 1] = ys[k];
    else {
      xs[w] = xs[k];
      ys[w] = ys[k];
      w++;
    }
  }
  const line: RunLine = { xs: xs.subarray(0, w), ys: new Array<number | null>(w) };
  for (let k = 0; k < w; k++) line.ys[k] = Number.isFinite(ys[k]) ? ys[k] : null;
  if (!cached) lineCache.set(s, (cached = new Map()));
  cached.set(cacheKey, line);
  return line;
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Lines on one x column: the union of their x values, null where a run has no point. Runs logged at
 * the same steps (the usual case) share their x column as it is.
 */
function joinLines(lines: RunLine[]): { x: Float64Array; ys: (number | null)[][] } {
  const first = lines[0].xs;
  if (lines.every((l) => sameValues(l.xs, first))) return { x: first, ys: lines.map((l) => l.ys) };
  const all = new Float64Array(lines.reduce((n, l) => n + l.xs.length, 0));
  let offset = 0;
  for (const l of lines) {
    all.set(l.xs, offset);
    offset += l.xs.length;
  }
  all.sort();
  let u = 0;
  for (let i = 0; i < all.length; i++) if (u === 0 || all[u - 1] !== all[i]) all[u++] = all[i];
  const x = all.subarray(0, u);
  const ys = lines.map((l) => {
    const column = new Array<number | null>(u).fill(null);
    // Both ascending without repeats, and l.xs ⊆ x: one pass.
    for (let k = 0, j = 0; k < u && j < l.xs.length; k++) if (x[k] === l.xs[j]) column[k] = l.ys[j++];
    return column;
  });
  return { x, ys };
}

export interface AlignedHistories {
  /** Ascending, without repeats: the union of the runs' x values. */
  x: Float64Array;
  /** One column per run that has points, aligned with `x`: null where that run has no point or a non-finite value. */
  ys: (number | null)[][];
  /** The index in `runs` of each column of `ys`. */
  runIndexes: number[];
}

/** The last alignment per series list (a metric's histories as received), with what it was built for. */
const alignCache = new WeakMap<readonly HistorySeries[], { key: string; aligned: AlignedHistories }>();

/**
 * The runs' lines of one metric on one x column, in the order of `runs` (runs without points are
 * left out). Cached per series list: asking again with the same x mode, budget and runs returns the
 * same object, so redraws (smoothing, log scale, tab switches, new data for another metric) neither
 * thin nor join again. `series` must not be changed after it was first passed.
 */
export function alignHistories(runs: readonly CompareRun[], series: readonly HistorySeries[], xMode: XMode, budget: number): AlignedHistories {
  const key = `${xMode}|${budget}|${runs.map((r) => r.runId).join(',')}`;
  const cached = alignCache.get(series);
  if (cached?.key === key) return cached.aligned;
  const lines: RunLine[] = [];
  const runIndexes: number[] = [];
  runs.forEach((run, runIndex) => {
    const s = series.find((x) => x.runId === run.runId);
    if (!s || s.steps.length === 0) return;
    lines.push(runLine(s, xMode, budget));
    runIndexes.push(runIndex);
  });
  const aligned = lines.length === 0 ? { x: new Float64Array(0), ys: [], runIndexes } : { ...joinLines(lines), runIndexes };
  alignCache.set(series, { key, aligned });
  return aligned;
}

/** A column as drawn: smoothed (weight in [0, 1)), and on a log scale without values ≤ 0. A new array unless nothing changes. */
export function finishColumn(column: (number | null)[], smoothing: number, log: boolean): (number | null)[] {
  const smoothed = ema(column, smoothing);
  return log ? smoothed.map((v) => (v !== null && v > 0 ? v : null)) : smoothed;
}

/**
 * A metric's series with a zoomed range's detail put in: per run, the overview's points before and
 * after the range and the detail's points inside it (a run the detail lacks keeps its overview, less
 * the range, when the detail came from the same runs). New series objects: caches see new data.
 */
export function mergeDetail(overview: readonly HistorySeries[], detail: readonly HistorySeries[], range: StepRange): HistorySeries[] {
  const byRun = new Map(detail.map((s) => [s.runId, s]));
  const runIds = [...new Set([...overview.map((s) => s.runId), ...detail.map((s) => s.runId)])];
  const merged: HistorySeries[] = [];
  for (const runId of runIds) {
    const o = overview.find((s) => s.runId === runId);
    const d = byRun.get(runId);
    const base = o ?? d!;
    const outside: number[] = [];
    if (o) for (let i = 0; i < o.steps.length; i++) if (o.steps[i] < range.startStep || o.steps[i] > range.endStep) outside.push(i);
    const n = outside.length + (d ? d.steps.length : 0);
    if (n === 0) continue;
    const steps = new Float64Array(n);
    const timestamps = new Float64Array(n);
    const values = new Float64Array(n);
    let w = 0;
    const put = (s: HistorySeries, i: number) => {
      steps[w] = s.steps[i];
      timestamps[w] = s.timestamps[i];
      values[w] = s.values[i];
      w++;
    };
    let k = 0;
    // Overview points before the range, the detail, then the overview points after it.
    while (o && k < outside.length && o.steps[outside[k]] < range.startStep) put(o, outside[k++]);
    if (d) for (let i = 0; i < d.steps.length; i++) put(d, i);
    while (o && k < outside.length) put(o, outside[k++]);
    merged.push({
      runId,
      metricKey: base.metricKey,
      steps,
      timestamps,
      values,
      sampled: (o?.sampled ?? false) || (d?.sampled ?? false),
      min: minOf(o?.min, d?.min),
      max: maxOf(o?.max, d?.max),
      exact: (o?.exact ?? true) && (d?.exact ?? true),
    });
  }
  return merged;
}

function minOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

function maxOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

/**
 * What a drag-zoom of a chart asks the extension for: the zoomed steps (both ends included, widened to
 * whole steps) of every metric the chart is drawn from: a metric's chart its metric, an expression's
 * chart each metric the expression reads (its series is computed again from their detail). Undefined
 * when there is no detail to ask for: off the step axis (a time axis, or a metric's chart against
 * another metric's values; an expression's chart is drawn against steps then).
 */
export function zoomDetail(
  chart: { metricKey: string } | { expression: Pick<MetricExpression, 'metrics'> },
  x: { xMode: XMode; xMetric?: string },
  min: number,
  max: number,
): { metricKeys: string[]; range: StepRange } | undefined {
  if (x.xMode !== 'step' || ('metricKey' in chart && x.xMetric)) return undefined;
  const metricKeys = 'metricKey' in chart ? [chart.metricKey] : [...new Set(chart.expression.metrics)];
  if (metricKeys.length === 0 || !Number.isFinite(min) || !Number.isFinite(max) || min > max) return undefined;
  const step = (v: number) => Math.min(Number.MAX_SAFE_INTEGER, Math.max(Number.MIN_SAFE_INTEGER, v));
  return { metricKeys, range: { startStep: step(Math.floor(min)), endStep: step(Math.ceil(max)) } };
}

/** Keys in the order to load them: those `isVisible` says are on screen first, each part in its order. */
export function visibleFirst(keys: readonly string[], isVisible: (key: string) => boolean): string[] {
  const visible = keys.filter(isVisible);
  return [...visible, ...keys.filter((k) => !visible.includes(k))];
}

/** A group of runs drawn as one line: the mean of its runs at each x, with their min and max. */
export interface GroupBand {
  /** Indexes in `runs` of the group's runs. */
  runIndexes: number[];
  mean: (number | null)[];
  min: (number | null)[];
  max: (number | null)[];
}

/**
 * A column with its gaps inside the run's x extent filled by linear interpolation on x (runs sampled
 * at other steps still count at every x between their first and last point); null outside it.
 */
export function interpolateGaps(x: Float64Array, column: readonly (number | null)[]): (number | null)[] {
  const out = column.slice();
  let last = -1;
  for (let i = 0; i < out.length; i++) {
    if (out[i] === null) continue;
    if (last >= 0 && i - last > 1) {
      const [x0, y0, x1, y1] = [x[last], out[last]!, x[i], out[i]!];
      for (let k = last + 1; k < i; k++) out[k] = x1 === x0 ? y0 : y0 + ((y1 - y0) * (x[k] - x0)) / (x1 - x0);
    }
    last = i;
  }
  return out;
}

/**
 * Mean, min and max of each group's runs at every x of the aligned histories (a run counts between
 * its first and last point, see interpolateGaps). `groups` hold indexes in `runs`; runs without
 * points are skipped, and a group none of whose runs has points is left out.
 */
export function groupBands(aligned: AlignedHistories, groups: readonly { runIndexes: readonly number[] }[]): GroupBand[] {
  const columnOf = new Map(aligned.runIndexes.map((runIndex, c) => [runIndex, c]));
  const filled = new Map<number, (number | null)[]>();
  const bands: GroupBand[] = [];
  for (const group of groups) {
    const columns = group.runIndexes.filter((r) => columnOf.has(r));
    if (columns.length === 0) continue;
    const ys = columns.map((r) => {
      let col = filled.get(r);
      if (!col) filled.set(r, (col = interpolateGaps(aligned.x, aligned.ys[columnOf.get(r)!])));
      return col;
    });
    const n = aligned.x.length;
    const mean = new Array<number | null>(n).fill(null);
    const min = new Array<number | null>(n).fill(null);
    const max = new Array<number | null>(n).fill(null);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      let count = 0;
      let lo = Infinity;
      let hi = -Infinity;
      for (const y of ys) {
        const v = y[i];
        if (v === null) continue;
        sum += v;
        count++;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (count === 0) continue;
      mean[i] = sum / count;
      min[i] = lo;
      max[i] = hi;
    }
    bands.push({ runIndexes: columns, mean, min, max });
  }
  return bands;
}

/**
 * The steps to ask for so that running runs' charts grow without reloading what is drawn: from just
 * after the earliest last step among the running runs' series (a running run without a series yet:
 * from step 0) to the end. Undefined when no run is running.
 */
export function appendRange(series: readonly HistorySeries[], runningRunIds: readonly string[]): StepRange | undefined {
  if (runningRunIds.length === 0) return undefined;
  let start = Infinity;
  for (const runId of runningRunIds) {
    const s = series.find((x) => x.runId === runId);
    let last = -Infinity;
    if (s) for (let i = 0; i < s.steps.length; i++) if (s.steps[i] > last) last = s.steps[i];
    // Steps may be negative; a run without points reads from the smallest step the server allows.
    start = Math.min(start, s && s.steps.length > 0 ? last + 1 : Number.MIN_SAFE_INTEGER);
  }
  return { startStep: Math.max(Number.MIN_SAFE_INTEGER, Math.floor(start)), endStep: Number.MAX_SAFE_INTEGER };
}

/**
 * "Ignore outliers": the y range from the `lower` to the `upper` quantile (5th–95th by default) of
 * the finite values drawn (positive ones only on a log scale), padded by 5% of its span; undefined
 * when there are no such values. A spike then no longer flattens every other line.
 */
export function robustRange(
  columns: readonly (readonly (number | null)[])[],
  o: { lower?: number; upper?: number; log?: boolean } = {},
): [number, number] | undefined {
  const values: number[] = [];
  for (const column of columns) for (const v of column) if (v !== null && Number.isFinite(v) && (!o.log || v > 0)) values.push(v);
  if (values.length === 0) return undefined;
  values.sort((a, b) => a - b);
  const at = (q: number) => {
    // Linear interpolation between the closest ranks.
    const pos = Math.min(1, Math.max(0, q)) * (values.length - 1);
    const i = Math.floor(pos);
    return values[i] + (values[Math.min(i + 1, values.length - 1)] - values[i]) * (pos - i);
  };
  const lo = at(o.lower ?? 0.05);
  const hi = at(o.upper ?? 0.95);
  if (o.log) return lo === hi ? [lo / 1.1, hi * 1.1] : [lo, hi];
  const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.05 || 1;
  return [lo - pad, hi + pad];
}

/**
 * "X axis: another metric": each run's series re-keyed by the value of `xSeries` (the run's x metric)
 * at the same step (interpolated between its logged steps), ordered by it; points without an x value
 * are left out, and so are runs without the x metric. The result's `steps` hold the x values.
 */
export function seriesAgainstMetric(ySeries: readonly HistorySeries[], xSeries: readonly HistorySeries[]): HistorySeries[] {
  const out: HistorySeries[] = [];
  for (const y of ySeries) {
    const x = xSeries.find((s) => s.runId === y.runId);
    if (!x) continue;
    const points: { x: number; t: number; v: number }[] = [];
    for (let i = 0; i < y.steps.length; i++) {
      const at = valueAtStep(x, y.steps[i]);
      if (Number.isFinite(at)) points.push({ x: at, t: y.timestamps[i], v: y.values[i] });
    }
    points.sort((a, b) => a.x - b.x);
    out.push({
      ...y,
      steps: Float64Array.from(points, (p) => p.x),
      timestamps: Float64Array.from(points, (p) => p.t),
      values: Float64Array.from(points, (p) => p.v),
    });
  }
  return out;
}
