// Exact min and max of metric histories, for the compare panel's Metrics table and `mlflow-wb runs
// diff`. MLflow has no server-side min/max of a history (runs/search gives the latest value only), so
// they come from the histories themselves, read as cheaply as exactness allows: one server-sampled
// get-history-bulk-interval request per metric for up to 100 runs (complete for every run with at
// most BULK_INTERVAL_MAX_RESULTS values: exact), then the full get-history of the runs whose answer
// was a sample. No vscode.
import { BULK_INTERVAL_MAX_RESULTS, loadHistoriesFromServers, type HistoryLoadError, type LoadedSeries, type ServerRuns } from './loadHistories';

export interface MetricExtremes {
  /** Undefined when the run has no finite value of the metric. */
  min?: number;
  max?: number;
  /** Over the whole history (else over a server-side sample of it). */
  exact: boolean;
}

/** Run id → metric key → its extremes. */
export type ExtremesByRun = Map<string, Map<string, MetricExtremes>>;

export interface LoadExtremesOptions {
  signal?: AbortSignal;
  /** get-history requests in flight at once for the full histories. Default 4. */
  concurrency?: number;
  /** Extremes already known (from the charts' loads): exact ones are not asked for again. */
  known?: (runId: string, metricKey: string) => MetricExtremes | undefined;
  /** Whether a sampled run's full history is read: false leaves its extremes approximate (a run still logging). Default: all. */
  refine?: (runId: string) => boolean;
  /** Full histories read at most (run × metric); the others keep their sampled extremes. Default: no limit. */
  maxFullHistories?: number;
  /** Called with what is known after the sampled pass (before the full histories). */
  onSampled?: (extremes: ExtremesByRun) => void;
}

export interface LoadedExtremes {
  extremes: ExtremesByRun;
  errors: HistoryLoadError[];
  /** Full histories read (runs × metrics whose sample was not enough). */
  fullHistories: number;
}

/** The extremes of one loaded series: exact when the series held the whole history. */
export function extremesOfSeries(series: LoadedSeries): MetricExtremes {
  return { min: series.min, max: series.max, exact: series.exact };
}

/**
 * Exact min and max of each metric of each run (see the file comment for how they are read). A
 * run without a series of a metric has none (`{ exact: true }`); a failed series is in `errors`.
 */
export async function loadExtremes(servers: readonly ServerRuns[], metricKeys: readonly string[], o: LoadExtremesOptions = {}): Promise<LoadedExtremes> {
  const extremes: ExtremesByRun = new Map();
  const set = (runId: string, key: string, value: MetricExtremes) => {
    let byKey = extremes.get(runId);
    if (!byKey) extremes.set(runId, (byKey = new Map()));
    byKey.set(key, value);
  };
  const runIds = [...new Set(servers.flatMap((s) => s.runIds))];
  const keys = [...new Set(metricKeys)];
  for (const runId of runIds) {
    for (const key of keys) {
      const known = o.known?.(runId, key);
      if (known) set(runId, key, known);
    }
  }
  const errors: HistoryLoadError[] = [];
  // 1. Server-sampled, the metrics some run has nothing known of.
  const unknown = keys.filter((k) => runIds.some((id) => !extremes.get(id)?.has(k)));
  if (unknown.length > 0) {
    const sampled = await loadHistoriesFromServers(servers, unknown, {
      maxPoints: BULK_INTERVAL_MAX_RESULTS,
      concurrency: o.concurrency ?? 4,
      signal: o.signal,
    });
    errors.push(...sampled.errors);
    const failed = new Set(sampled.errors.map((e) => `${e.runId ?? '*'}\0${e.metricKey}`));
    for (const key of unknown) {
      const series = new Map(sampled.series.filter((x) => x.metricKey === key).map((x) => [x.runId, x]));
      for (const runId of runIds) {
        // What was known stays (the request is per metric for all runs).
        if (extremes.get(runId)?.has(key)) continue;
        const s = series.get(runId);
        if (s) set(runId, key, extremesOfSeries(s));
        else if (!failed.has(`*\0${key}`) && !failed.has(`${runId}\0${key}`)) set(runId, key, { exact: true });
      }
    }
  }
  o.onSampled?.(extremes);
  // 2. The full history where the sample was not the whole of it.
  let fullHistories = 0;
  for (const key of keys) {
    const budget = (o.maxFullHistories ?? Number.POSITIVE_INFINITY) - fullHistories;
    const wanted = new Set(runIds.filter((id) => extremes.get(id)?.get(key)?.exact === false && (o.refine?.(id) ?? true)).slice(0, Math.max(0, budget)));
    if (wanted.size === 0) continue;
    const subset = servers.map((s) => ({ client: s.client, runIds: s.runIds.filter((id) => wanted.has(id)) }));
    const full = await loadHistoriesFromServers(subset, [key], { maxPoints: 2, exact: true, concurrency: o.concurrency ?? 4, signal: o.signal });
    fullHistories += wanted.size;
    errors.push(...full.errors);
    const failedRuns = new Set(full.errors.map((e) => e.runId));
    for (const runId of wanted) if (!failedRuns.has(runId)) set(runId, key, { exact: true });
    for (const s of full.series) set(s.runId, s.metricKey, extremesOfSeries(s));
  }
  return { extremes, errors, fullHistories };
}
