// Shrinks a metric history for charting without hiding what matters: the first and last points,
// and every bucket's minimum and maximum, so spikes and the global extremes survive.

export interface SeriesPoint {
  step: number;
  timestamp: number;
  value: number;
}

/**
 * Min-max bucket downsampling. Points are kept in their input order (a history ordered by step).
 * The result has at most `maxPoints` points (at least 2 are asked for), always contains the first and
 * last points and the points holding the smallest and largest finite values; non-finite values
 * (NaN, ±Infinity) are kept only when a bucket has nothing else. Returns the input when it is small enough.
 */
export function downsample<P extends SeriesPoint>(points: readonly P[], maxPoints: number): P[] {
  if (points.length <= Math.max(2, Math.floor(maxPoints))) return points.slice();
  return downsampleIndices(
    Float64Array.from(points, (p) => p.value),
    maxPoints,
  ).map((i) => points[i]);
}

/**
 * The indices `downsample` keeps, for values in a column (the webview's Float64Array histories):
 * ascending; all indices when the column fits.
 */
export function downsampleIndices(values: Float64Array, maxPoints: number): number[] {
  const length = values.length;
  const limit = Math.max(2, Math.floor(maxPoints));
  if (length <= limit) return Array.from({ length }, (_, i) => i);
  const last = length - 1;
  const interior = last - 1; // points strictly between first and last
  const buckets = Math.floor((limit - 2) / 2);
  const keep: number[] = [0];
  if (buckets > 0) {
    for (let b = 0; b < buckets; b++) {
      // Bucket b covers interior indices [start, end).
      const start = 1 + Math.floor((b * interior) / buckets);
      const end = 1 + Math.floor(((b + 1) * interior) / buckets);
      if (end <= start) continue;
      let lo = -1;
      let hi = -1;
      let loValue = 0;
      let hiValue = 0;
      for (let i = start; i < end; i++) {
        const v = values[i];
        if (!Number.isFinite(v)) continue;
        if (lo === -1 || v < loValue) [lo, loValue] = [i, v];
        if (hi === -1 || v > hiValue) [hi, hiValue] = [i, v];
      }
      if (lo === -1) keep.push(start);
      else if (lo === hi) keep.push(lo);
      else keep.push(Math.min(lo, hi), Math.max(lo, hi));
    }
  } else if (limit === 3) {
    // Room for one interior point: the global minimum.
    const extremes = globalExtremes(values, 1, last);
    if (extremes.length > 0) keep.push(extremes[0]);
  }
  keep.push(last);
  return keep;
}

/** Indices of the min and max finite values in [start, end), min first. */
function globalExtremes(values: Float64Array, start: number, end: number): number[] {
  let lo = -1;
  let hi = -1;
  for (let i = start; i < end; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (lo === -1 || v < values[lo]) lo = i;
    if (hi === -1 || v > values[hi]) hi = i;
  }
  return lo === -1 ? [] : lo === hi ? [lo] : [lo, hi];
}

/** Min and max of the finite values, or undefined when there is none. */
export function extremesOf(points: readonly SeriesPoint[]): { min?: number; max?: number } {
  let min: number | undefined;
  let max: number | undefined;
  for (const p of points) {
    if (!Number.isFinite(p.value)) continue;
    if (min === undefined || p.value < min) min = p.value;
    if (max === undefined || p.value > max) max = p.value;
  }
  return { min, max };
}

/**
 * Points per series the compare panel asks the server for at first (a few hundred, as the MLflow UI
 * samples its charts); a zoomed chart asks again for its range (get-history-bulk-interval's
 * start_step/end_step), so detail comes where it is looked at.
 */
export const OVERVIEW_POINTS = 500;
