// Compared runs grouped by the value of a param or tag (the compare panel's "Group by"): each group
// is drawn as its mean with a min–max band, and a box plot of a metric's latest values per group
// (figures: boxStatistics.ts). No vscode, no DOM.
import { boxStats, type BoxStats } from './boxStatistics';
import type { RunComparison } from './compareRuns';

export interface RunGroup {
  /** `lr=0.1`, or `lr: none` for the runs without the key. */
  label: string;
  /** The key's value; undefined for the runs without it. */
  value?: string;
  /** Indexes in the comparison's runs. */
  runIndexes: number[];
}

/** What runs can be grouped by: `param:<key>` or `tag:<key>`. */
export type GroupRef = `param:${string}` | `tag:${string}`;

/** The refs worth grouping by: params and tags whose values differ and repeat (a group of ≥ 2 runs). */
export function groupableRefs(comparison: RunComparison): GroupRef[] {
  const repeats = (values: readonly (string | undefined)[]) => new Set(values).size < values.length;
  return [
    ...comparison.params.filter((p) => p.differs && repeats(p.values)).map((p): GroupRef => `param:${p.key}`),
    ...comparison.tags.filter((t) => t.differs && repeats(t.values)).map((t): GroupRef => `tag:${t.key}`),
  ];
}

/**
 * The runs grouped by the value of `ref` (`param:lr`, `tag:team`), groups in the order of their
 * first run; runs without the key form one group of their own, last.
 */
export function groupRuns(comparison: RunComparison, ref: string): RunGroup[] {
  const colon = ref.indexOf(':');
  const kind = ref.slice(0, colon);
  const key = ref.slice(colon + 1);
  if (colon < 0 || (kind !== 'param' && kind !== 'tag') || key === '') throw new Error(`Group runs by "${ref}": expected param:<key> or tag:<key>.`);
  const row = (kind === 'param' ? comparison.params : comparison.tags).find((r) => r.key === key);
  const groups = new Map<string | undefined, number[]>();
  comparison.runs.forEach((_, i) => {
    const value = row?.values[i] ?? undefined;
    let list = groups.get(value);
    if (!list) groups.set(value, (list = []));
    list.push(i);
  });
  const result = [...groups].map(([value, runIndexes]): RunGroup =>
    value === undefined ? { label: `${key}: none`, runIndexes } : { label: `${key}=${value}`, value, runIndexes },
  );
  return [...result.filter((g) => g.value !== undefined), ...result.filter((g) => g.value === undefined)];
}

/** Per group, the box of a metric's latest values, and the runs left out of it. */
export interface GroupBox {
  label: string;
  /** The key's value; undefined for the group of the runs without the key. */
  value?: string;
  /** Indexes in the comparison's runs. */
  runIndexes: number[];
  /** The box of the group's finite latest values; undefined when it has none. */
  stats?: BoxStats;
  /** The run of each of `stats.outliers` (same order). */
  outlierRuns: number[];
  /** Runs of the group that have no value of the metric. */
  withoutMetric: number[];
  /** Runs whose latest value is NaN or ±Infinity: not in the box. */
  notFinite: number[];
}

/** Per group of `ref`, the box of a metric's latest values of its runs (groups without a value: no box). */
export function groupBoxes(comparison: RunComparison, ref: string, metricKey: string): GroupBox[] {
  const row = comparison.metrics.find((m) => m.key === metricKey);
  return groupRuns(comparison, ref).map((g) => {
    const latest = g.runIndexes.map((i) => row?.latest[i]);
    const stats = boxStats(latest);
    return {
      label: g.label,
      ...(g.value === undefined ? {} : { value: g.value }),
      runIndexes: g.runIndexes,
      stats,
      outlierRuns: stats?.outlierIndexes.map((i) => g.runIndexes[i]) ?? [],
      withoutMetric: g.runIndexes.filter((_, i) => latest[i] === undefined),
      notFinite: g.runIndexes.filter((_, i) => latest[i] !== undefined && !Number.isFinite(latest[i])),
    };
  });
}
