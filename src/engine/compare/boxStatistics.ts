// A box plot's figures of some values: quartiles, median, Tukey whiskers and outliers. One
// computation for the compare panel's box plot (webview/compare/boxPlot.ts) and `mlflow-wb runs
// box-plot`. No vscode, no DOM.

/** A box plot's figures of some values (Tukey: whiskers at the furthest values within 1.5 IQR of the box). */
export interface BoxStats {
  /** The finite values the box is of. */
  count: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  lowWhisker: number;
  highWhisker: number;
  /** Values beyond the whiskers, ascending. */
  outliers: number[];
  /** Where each of `outliers` is in the values given (same order). */
  outlierIndexes: number[];
}

/**
 * Quartiles by linear interpolation between closest ranks (numpy's default `linear`, R's type 7,
 * Excel's QUARTILE.INC); undefined without a finite value. NaN, ±Infinity, undefined and null are
 * left out.
 */
export function boxStats(values: readonly (number | undefined | null)[]): BoxStats | undefined {
  const finite: { value: number; index: number }[] = [];
  values.forEach((value, index) => {
    if (typeof value === 'number' && Number.isFinite(value)) finite.push({ value, index });
  });
  if (finite.length === 0) return undefined;
  // Stable: equal values keep the order given.
  finite.sort((a, b) => a.value - b.value);
  const sorted = finite.map((f) => f.value);
  const q = (p: number) => {
    const pos = p * (sorted.length - 1);
    const i = Math.floor(pos);
    return sorted[i] + (sorted[Math.min(i + 1, sorted.length - 1)] - sorted[i]) * (pos - i);
  };
  const q1 = q(0.25);
  const q3 = q(0.75);
  const reach = 1.5 * (q3 - q1);
  const inside = sorted.filter((v) => v >= q1 - reach && v <= q3 + reach);
  const outside = finite.filter((f) => f.value < q1 - reach || f.value > q3 + reach);
  return {
    count: sorted.length,
    min: sorted[0],
    q1,
    median: q(0.5),
    q3,
    max: sorted[sorted.length - 1],
    lowWhisker: inside[0],
    highWhisker: inside[inside.length - 1],
    outliers: outside.map((f) => f.value),
    outlierIndexes: outside.map((f) => f.index),
  };
}
