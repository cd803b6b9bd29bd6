// A metric history in columns: what the compare panel's charts receive. Three Float64Arrays instead
// of one object (or tuple) per point: postMessage carries typed arrays as binary, the webview checks
// them in constant time, and NaN/±Infinity survive as they are (JSON would make them null).
import type { SeriesPoint } from './downsample';

export interface HistoryColumns {
  /** Point i is (steps[i], timestamps[i] in ms since the epoch, values[i]); all three have one length. */
  steps: Float64Array;
  timestamps: Float64Array;
  /** May hold NaN and ±Infinity (MLflow logs them). */
  values: Float64Array;
}

/** Points (in their order) as columns. Each column owns its own buffer, so each can be transferred. */
export function toHistoryColumns(points: readonly SeriesPoint[]): HistoryColumns {
  const n = points.length;
  const steps = new Float64Array(n);
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = points[i];
    steps[i] = p.step;
    timestamps[i] = p.timestamp;
    values[i] = p.value;
  }
  return { steps, timestamps, values };
}
