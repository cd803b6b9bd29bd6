import { ClientErrorCodes, MlflowApiError, isCancelled } from '../mlflow/mlflowRestClient';
import type { MlflowRestClient } from '../mlflow/mlflowRestClient';
import type { MlflowMetric } from '../mlflow/mlflowTypes';
import { downsample, extremesOf, type SeriesPoint } from './downsample';

/** The server samples get-history-bulk-interval to at most this many steps per run (MAX_RESULTS_PER_RUN). */
export const BULK_INTERVAL_MAX_RESULTS = 2500;

export type HistoryClient = Pick<MlflowRestClient, 'getMetricHistory' | 'getMetricHistoryBulkInterval'>;

export interface LoadedSeries {
  runId: string;
  metricKey: string;
  /** Ordered by step, then timestamp; at most maxPoints. */
  points: SeriesPoint[];
  /** Fewer points than the server holds. */
  sampled: boolean;
  /** Over the whole history when `exact`, else over `points`. */
  min?: number;
  max?: number;
  exact: boolean;
}

export interface HistoryLoadError {
  metricKey: string;
  runId?: string;
  message: string;
}

export interface LoadedHistories {
  series: LoadedSeries[];
  errors: HistoryLoadError[];
  /** `bulk`: sampled by the server, several runs per request; `per-run`: full histories, sampled here. */
  source: 'bulk' | 'per-run';
}

export interface LoadHistoriesOptions {
  /** Points per series kept for charts (≥ 2). */
  maxPoints: number;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  signal?: AbortSignal;
}

/** Clients whose server has no get-history-bulk-interval (older MLflow, Databricks): asked once. */
const noBulkInterval = new WeakSet<object>();

/**
 * Loads the history of each metric of each run for charting. Uses the server-sampled
 * `get-history-bulk-interval` (one request per metric for up to 100 runs) where the server has it,
 * otherwise `get-history` per run and metric, `concurrency` at a time, downsampled here. A failure of
 * one series is reported in `errors` and the others are still returned; cancellation throws.
 */
export async function loadHistories(client: HistoryClient, runIds: readonly string[], metricKeys: readonly string[], options: LoadHistoriesOptions): Promise<LoadedHistories> {
  const maxPoints = Math.max(2, Math.floor(options.maxPoints));
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const runs = [...new Set(runIds)];
  const keys = [...new Set(metricKeys)];
  if (runs.length === 0 || keys.length === 0) return { series: [], errors: [], source: 'bulk' };
  if (!noBulkInterval.has(client)) {
    try {
      return await loadBulk(client, runs, keys, maxPoints, concurrency, options.signal);
    } catch (err) {
      if (!bulkUnsupported(err)) throw err;
      noBulkInterval.add(client);
    }
  }
  return loadPerRun(client, runs, keys, maxPoints, concurrency, options.signal);
}

function bulkUnsupported(err: unknown): boolean {
  return err instanceof MlflowApiError && (err.errorCode === ClientErrorCodes.endpointNotFound || err.errorCode === 'FEATURE_DISABLED' || err.httpStatus === 501);
}

async function loadBulk(client: HistoryClient, runIds: string[], keys: string[], maxPoints: number, concurrency: number, signal?: AbortSignal): Promise<LoadedHistories> {
  const maxResults = Math.min(maxPoints, BULK_INTERVAL_MAX_RESULTS);
  const series: LoadedSeries[] = [];
  const errors: HistoryLoadError[] = [];
  let unsupported: unknown;
  await mapLimit(keys, concurrency, async (key) => {
    if (unsupported) return;
    let metrics;
    try {
      metrics = await client.getMetricHistoryBulkInterval(runIds, key, { maxResults, signal });
    } catch (err) {
      if (isCancelled(err)) throw err;
      // Endpoint missing: the caller falls back for every key; stop asking.
      if (bulkUnsupported(err)) {
        unsupported = err;
        return;
      }
      errors.push({ metricKey: key, message: messageOf(err) });
      return;
    }
    const byRun = new Map<string, SeriesPoint[]>();
    for (const m of metrics) {
      let list = byRun.get(m.run_id);
      if (!list) byRun.set(m.run_id, (list = []));
      list.push({ step: m.step, timestamp: m.timestamp, value: m.value });
    }
    for (const runId of runIds) {
      const all = byRun.get(runId);
      if (!all || all.length === 0) continue;
      sortPoints(all);
      const points = downsample(all, maxPoints);
      // The server returns every step when a run has at most maxResults of them, else a sample.
      const serverSampled = distinctSteps(all) >= maxResults;
      series.push({ runId, metricKey: key, points, sampled: serverSampled || points.length < all.length, ...extremesOf(all), exact: !serverSampled });
    }
  });
  if (unsupported) throw unsupported;
  return { series: orderSeries(series, runIds, keys), errors, source: 'bulk' };
}

async function loadPerRun(client: HistoryClient, runIds: string[], keys: string[], maxPoints: number, concurrency: number, signal?: AbortSignal): Promise<LoadedHistories> {
  const tasks = runIds.flatMap((runId) => keys.map((metricKey) => ({ runId, metricKey })));
  const series: LoadedSeries[] = [];
  const errors: HistoryLoadError[] = [];
  await mapLimit(tasks, concurrency, async ({ runId, metricKey }) => {
    let history: MlflowMetric[];
    try {
      history = await client.getMetricHistory(runId, metricKey, { signal });
    } catch (err) {
      if (isCancelled(err)) throw err;
      errors.push({ runId, metricKey, message: messageOf(err) });
      return;
    }
    if (history.length === 0) return;
    const all = history.map((m) => ({ step: m.step, timestamp: m.timestamp, value: m.value }));
    sortPoints(all);
    const points = downsample(all, maxPoints);
    series.push({ runId, metricKey, points, sampled: points.length < all.length, ...extremesOf(all), exact: true });
  });
  return { series: orderSeries(series, runIds, keys), errors, source: 'per-run' };
}

function sortPoints(points: SeriesPoint[]): void {
  points.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
}

function distinctSteps(sorted: readonly SeriesPoint[]): number {
  let count = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i].step !== sorted[i - 1].step) count++;
  return count;
}

/** Metric by metric, runs in the order asked: the order of a chart's series and legend. */
function orderSeries(series: LoadedSeries[], runIds: string[], keys: string[]): LoadedSeries[] {
  const run = new Map(runIds.map((id, i) => [id, i]));
  const key = new Map(keys.map((k, i) => [k, i]));
  return series.sort((a, b) => key.get(a.metricKey)! - key.get(b.metricKey)! || run.get(a.runId)! - run.get(b.runId)!);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs `work` on every item, at most `limit` at a time; rejects on the first thrown error. */
export async function mapLimit<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        await work(items[index], index);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
