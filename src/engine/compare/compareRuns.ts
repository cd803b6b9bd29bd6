import type { MlflowRun } from '../mlflow/mlflowTypes';
import { guessHigherIsBetter } from './metricDirection';

export interface ComparedRun {
  runId: string;
  name: string;
  experimentId: string;
  status: string;
  startTime?: number;
  endTime?: number;
  /** The tracking connection the run was read from (a panel may hold runs of several). */
  connectionId?: string;
  /** That connection's label, shown beside the run's name when the runs come from several servers. */
  server?: string;
}

/** A param or tag across runs: one value per run, undefined where the run lacks it. */
export interface DiffRow {
  key: string;
  values: (string | undefined)[];
  differs: boolean;
}

/** A metric across runs. `best` is the index of the best run, or -1 when no run stands out. */
export interface MetricRow {
  key: string;
  latest: (number | undefined)[];
  min?: (number | undefined)[];
  max?: (number | undefined)[];
  /** Per run: min and max are over the whole history (false: over a server-side sample, for now). */
  extremesExact?: boolean[];
  best: number;
  higherIsBetter: boolean;
  differs: boolean;
}

export interface RunComparison {
  runs: ComparedRun[];
  params: DiffRow[];
  metrics: MetricRow[];
  tags: DiffRow[];
}

export interface CompareOptions {
  /** The user's choice per metric (remembered by the extension); others are guessed from the name. */
  higherIsBetter?: Readonly<Record<string, boolean>>;
  /** Per run id and metric key, min/max over the metric's history, once loaded. */
  extremes?: ReadonlyMap<string, ReadonlyMap<string, { min?: number; max?: number; exact?: boolean }>>;
  /** Tags hidden from the table because they are long machine data, not something to compare. */
  hiddenTags?: readonly string[];
}

/** Tags MLflow writes that are JSON blobs or per-run noise. */
export const DEFAULT_HIDDEN_TAGS = ['mlflow.log-model.history', 'mlflow.runName'];

/**
 * Lines up params, metrics and tags of several runs, one row per key and one column per run (in the
 * order given). Rows whose values differ come first, then alphabetical. The best run of each metric
 * row is marked from the latest values and the metric's direction.
 */
export function compareRuns(runs: readonly MlflowRun[], options: CompareOptions = {}): RunComparison {
  const hidden = new Set(options.hiddenTags ?? DEFAULT_HIDDEN_TAGS);
  const params = diffRows(runs.map((r) => toMap(r.data.params ?? [])));
  const tags = diffRows(runs.map((r) => toMap((r.data.tags ?? []).filter((t) => !hidden.has(t.key)))));
  const latestByRun = runs.map((r) => latestMetrics(r));
  const keys = sortedKeys(latestByRun);
  const metrics = keys.map((key): MetricRow => {
    const latest = latestByRun.map((m) => m.get(key));
    const higherIsBetter = options.higherIsBetter?.[key] ?? guessHigherIsBetter(key);
    const row: MetricRow = { key, latest, best: bestIndex(latest, higherIsBetter), higherIsBetter, differs: !allSame(latest) };
    if (options.extremes) {
      row.min = runs.map((r) => options.extremes?.get(r.info.run_id)?.get(key)?.min);
      row.max = runs.map((r) => options.extremes?.get(r.info.run_id)?.get(key)?.max);
      row.extremesExact = runs.map((r) => options.extremes?.get(r.info.run_id)?.get(key)?.exact !== false);
    }
    return row;
  });
  return {
    runs: runs.map((r) => ({
      runId: r.info.run_id,
      name: r.info.run_name || (r.data.tags ?? []).find((t) => t.key === 'mlflow.runName')?.value || r.info.run_id.slice(0, 8),
      experimentId: r.info.experiment_id,
      status: r.info.status,
      startTime: r.info.start_time === undefined ? undefined : Number(r.info.start_time),
      endTime: r.info.end_time === undefined || r.info.end_time === null ? undefined : Number(r.info.end_time),
    })),
    params,
    metrics: differingFirst(metrics),
    tags,
  };
}

/**
 * The index of the best finite value, or -1 when fewer than two runs have one or all are equal
 * (a "best" among equals says nothing). Ties go to the first run.
 */
export function bestIndex(values: readonly (number | undefined)[], higherIsBetter: boolean): number {
  let best = -1;
  let finite = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === undefined || !Number.isFinite(v)) continue;
    finite++;
    if (best === -1 || (higherIsBetter ? v > values[best]! : v < values[best]!)) best = i;
  }
  if (finite < 2) return -1;
  const bestValue = values[best];
  const allEqual = values.every((v) => v === undefined || !Number.isFinite(v) || v === bestValue);
  return allEqual ? -1 : best;
}

function toMap(entries: readonly { key: string; value: string }[]): Map<string, string> {
  return new Map(entries.map((e) => [e.key, e.value]));
}

/** The latest value of each metric of a run (runs/get and runs/search return only the latest). */
function latestMetrics(run: MlflowRun): Map<string, number> {
  const latest = new Map<string, { value: number; step: number; timestamp: number }>();
  for (const m of run.data.metrics ?? []) {
    const value = Number(m.value);
    const step = Number(m.step ?? 0);
    const timestamp = Number(m.timestamp ?? 0);
    const seen = latest.get(m.key);
    if (!seen || step > seen.step || (step === seen.step && timestamp >= seen.timestamp)) latest.set(m.key, { value, step, timestamp });
  }
  return new Map([...latest].map(([k, v]) => [k, v.value]));
}

function sortedKeys(maps: readonly Map<string, unknown>[]): string[] {
  const keys = new Set<string>();
  for (const m of maps) for (const k of m.keys()) keys.add(k);
  return [...keys].sort((a, b) => a.localeCompare(b));
}

function diffRows(maps: readonly Map<string, string>[]): DiffRow[] {
  return differingFirst(
    sortedKeys(maps).map((key) => {
      const values = maps.map((m) => m.get(key));
      return { key, values, differs: !allSame(values) };
    }),
  );
}

/** Missing counts as a value of its own: a param only some runs have differs. */
function allSame<T>(values: readonly T[]): boolean {
  return values.every((v) => Object.is(v, values[0]));
}

function differingFirst<R extends { differs: boolean }>(rows: R[]): R[] {
  // Array.prototype.sort is stable: alphabetical order holds within each group.
  return rows.sort((a, b) => Number(b.differs) - Number(a.differs));
}
