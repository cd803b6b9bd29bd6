// Compared runs grouped by the value of a param or tag (the compare panel's "Group by"): each group
// is drawn as its mean with a min–max band. No vscode, no DOM.
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

/** A box plot's figures of some values (Tukey: whiskers at the furthest values within 1.5 IQR of the box). */
export interface BoxStats {
  count: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  lowWhisker: number;
  highWhisker: number;
  /** Values beyond the whiskers. */
  outliers: number[];
}

/** Quartiles by linear interpolation between closest ranks; undefined without a finite value. */
export function boxStats(values: readonly (number | undefined | null)[]): BoxStats | undefined {
  const sorted = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const q = (p: number) => {
    const pos = p * (sorted.length - 1);
    const i = Math.floor(pos);
    return sorted[i] + (sorted[Math.min(i + 1, sorted.length - 1)] - sorted[i]) * (pos - i);
  };
  const q1 = q(0.25);
  const q3 = q(0.75);
  const reach = 1.5 * (q3 - q1);
  const inside = sorted.filter((v) => v >= q1 - reach && v <= q3 + reach);
  return {
    count: sorted.length,
    min: sorted[0],
    q1,
    median: q(0.5),
    q3,
    max: sorted[sorted.length - 1],
    lowWhisker: inside[0],
    highWhisker: inside[inside.length - 1],
    outliers: sorted.filter((v) => v < q1 - reach || v > q3 + reach),
  };
}

/** Per group of `ref`, the box of a metric's latest values of its runs (groups without a value: no box). */
export function groupBoxes(comparison: RunComparison, ref: string, metricKey: string): { label: string; runIndexes: number[]; stats?: BoxStats }[] {
  const row = comparison.metrics.find((m) => m.key === metricKey);
  return groupRuns(comparison, ref).map((g) => ({
    label: g.label,
    runIndexes: g.runIndexes,
    stats: row ? boxStats(g.runIndexes.map((i) => row.latest[i])) : undefined,
  }));
}
