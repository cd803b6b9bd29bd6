// The compare panel's difference view: every param, metric (latest, min, max) and tag of each run
// against one chosen baseline run, with the change. No vscode, no DOM: the webview renders it, unit
// tests run it in Node.
import type { RunComparison } from './compareRuns';

export type BaselineSection = 'param' | 'metric' | 'tag';
export type MetricStat = 'latest' | 'min' | 'max';

/** How a run's value stands against the baseline's. */
export type ChangeKind = 'same' | 'changed' | 'added' | 'removed' | 'missing';

export interface BaselineCell {
  value: string | number | undefined;
  change: ChangeKind;
  /** Numbers on both sides: value − baseline. */
  delta?: number;
  /** Numbers on both sides and a baseline ≠ 0: delta / |baseline|. */
  relative?: number;
}

export interface BaselineRow {
  section: BaselineSection;
  key: string;
  /** Metric rows: which value of the history. */
  stat?: MetricStat;
  baseline: string | number | undefined;
  /** One per run of the comparison other than the baseline, in its order. */
  cells: BaselineCell[];
  /** Every run has the baseline's value (or all lack it). */
  identical: boolean;
}

export interface BaselineDiff {
  baselineIndex: number;
  /** Indexes in the comparison's runs of the cells' runs. */
  others: number[];
  rows: BaselineRow[];
}

/** A string that is a finite number as a whole (params and tags are strings). */
function asNumber(value: string | number | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** How `value` stands against `baseline`; numbers get their difference. */
export function compareToBaseline(value: string | number | undefined, baseline: string | number | undefined): BaselineCell {
  if (value === undefined && baseline === undefined) return { value, change: 'missing' };
  if (value === undefined) return { value, change: 'removed' };
  if (baseline === undefined) return { value, change: 'added' };
  if (Object.is(value, baseline) || String(value) === String(baseline)) return { value, change: 'same' };
  const a = asNumber(value);
  const b = asNumber(baseline);
  if (a === undefined || b === undefined) return { value, change: 'changed' };
  // "1.0" and "1" are the same number: not a change.
  if (a === b) return { value, change: 'same' };
  const delta = a - b;
  return { value, change: 'changed', delta, ...(b !== 0 ? { relative: delta / Math.abs(b) } : {}) };
}

/**
 * Every param, metric (latest, and min/max where loaded) and tag of the runs against the run at
 * `baselineIndex`. Rows with a difference come first within each section, then alphabetical (the
 * comparison's order).
 */
export function baselineDiff(comparison: RunComparison, baselineIndex: number): BaselineDiff {
  if (!Number.isInteger(baselineIndex) || baselineIndex < 0 || baselineIndex >= comparison.runs.length) {
    throw new RangeError(`The baseline must be one of the ${comparison.runs.length} compared runs (index ${baselineIndex} given).`);
  }
  const others = comparison.runs.map((_, i) => i).filter((i) => i !== baselineIndex);
  const row = (section: BaselineSection, key: string, values: readonly (string | number | undefined)[], stat?: MetricStat): BaselineRow => {
    const baseline = values[baselineIndex];
    const cells = others.map((i) => compareToBaseline(values[i] ?? undefined, baseline ?? undefined));
    return {
      section,
      key,
      ...(stat ? { stat } : {}),
      baseline: baseline ?? undefined,
      cells,
      identical: cells.every((c) => c.change === 'same' || c.change === 'missing'),
    };
  };
  const rows: BaselineRow[] = [];
  const differingFirst = (list: BaselineRow[]) => list.sort((a, b) => Number(a.identical) - Number(b.identical));
  rows.push(...differingFirst(comparison.params.map((p) => row('param', p.key, p.values))));
  const metricRows: BaselineRow[] = [];
  for (const m of comparison.metrics) {
    metricRows.push(row('metric', m.key, m.latest, 'latest'));
    if (m.min) metricRows.push(row('metric', m.key, m.min, 'min'));
    if (m.max) metricRows.push(row('metric', m.key, m.max, 'max'));
  }
  rows.push(...differingFirst(metricRows));
  rows.push(...differingFirst(comparison.tags.map((t) => row('tag', t.key, t.values))));
  return { baselineIndex, others, rows };
}
