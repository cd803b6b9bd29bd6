import { cellValue, type RunsTableColumn, type RunsTableRow } from './runsTableColumns';

export interface MetricSummary {
  /** Runs of the group that have the metric (NaN values are left out of min/mean/max). */
  count: number;
  min?: number;
  mean?: number;
  max?: number;
}

export interface RunGroup {
  /** The param or tag value; undefined for the runs without it. */
  value?: string;
  count: number;
  metrics: Record<string, MetricSummary>;
  /** The group's runs, at most `rowsPerGroup` of them (in the table's order). */
  rows: RunsTableRow[];
}

/**
 * Groups rows by the value of a param or tag column: one group per value (the runs without it last),
 * with the count and the min/mean/max of each metric over the group's runs. Groups come in the
 * order their first run appears, so they follow the table's sort.
 */
export function groupRuns(rows: readonly RunsTableRow[], by: RunsTableColumn, metricKeys: readonly string[], rowsPerGroup = 200): RunGroup[] {
  const groups = new Map<string | undefined, { group: RunGroup; sums: Map<string, { sum: number; n: number; min: number; max: number; count: number }> }>();
  for (const row of rows) {
    const raw = cellValue(row, by);
    const value = raw === undefined ? undefined : String(raw);
    let entry = groups.get(value);
    if (!entry) groups.set(value, (entry = { group: { value, count: 0, metrics: {}, rows: [] }, sums: new Map() }));
    entry.group.count++;
    if (entry.group.rows.length < rowsPerGroup) entry.group.rows.push(row);
    for (const key of metricKeys) {
      const v = row.metrics[key];
      if (v === undefined) continue;
      let s = entry.sums.get(key);
      if (!s) entry.sums.set(key, (s = { sum: 0, n: 0, min: Infinity, max: -Infinity, count: 0 }));
      s.count++;
      if (Number.isNaN(v)) continue;
      s.sum += v;
      s.n++;
      if (v < s.min) s.min = v;
      if (v > s.max) s.max = v;
    }
  }
  const result: RunGroup[] = [];
  for (const { group, sums } of groups.values()) {
    for (const [key, s] of sums) group.metrics[key] = s.n === 0 ? { count: s.count } : { count: s.count, min: s.min, mean: s.sum / s.n, max: s.max };
    result.push(group);
  }
  // Runs without the key go last.
  return [...result.filter((g) => g.value !== undefined), ...result.filter((g) => g.value === undefined)];
}
