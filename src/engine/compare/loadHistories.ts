import { ClientErrorCodes, MlflowApiError, isCancelled } from '../mlflow/mlflowRestClient';
import type { MlflowRestClient } from '../mlflow/mlflowRestClient';
import type { MlflowMetric } from '../mlflow/mlflowTypes';
import { downsample, extremesOf, type SeriesPoint } from './downsample';

/** The server samples get-history-bulk-interval to at most this many steps per run (MAX_RESULTS_PER_RUN). */
export const BULK_INTERVAL_MAX_RESULTS = 2500;

/**
 * History requests the compare panel keeps in flight at once (after the first metric, which goes
 * alone). A few, not many: a tracking server serves them side by side only so far, and the chart on
 * screen must not queue behind the others.
 */
export const PANEL_HISTORY_CONCURRENCY = 4;

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

/** One metric's series for every run, as soon as they arrived. */
export interface LoadedMetric {
  metricKey: string;
  series: LoadedSeries[];
  errors: HistoryLoadError[];
  source: 'bulk' | 'per-run';
  /** The step range asked for (a zoomed chart's refine), both ends included. */
  range?: StepRange;
}

export interface StepRange {
  startStep: number;
  endStep: number;
}

export interface LoadHistoriesOptions {
  /** Points per series kept for charts (≥ 2). */
  maxPoints: number;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Full histories (get-history per run), so min and max are exact: for reports, not for charts. */
  exact?: boolean;
  /** Only the steps in this range (both ends included): detail for a zoomed chart. */
  range?: StepRange;
  /**
   * Called with each metric's series as soon as they arrived. Metrics are asked for in the order
   * given: the first one alone (it is the chart the user looks at, and it tells whether the server
   * has get-history-bulk-interval), then the others `concurrency` at a time.
   */
  onMetric?: (metric: LoadedMetric) => void;
}

/** Clients whose server has no get-history-bulk-interval (older MLflow, Databricks): asked once. */
const noBulkInterval = new WeakSet<object>();

/**
 * Loads the history of each metric of each run for charting, metric by metric (see `onMetric`).
 * Uses the server-sampled `get-history-bulk-interval` (one request per metric for up to 100 runs)
 * where the server has it, otherwise `get-history` per run and metric, `concurrency` at a time,
 * downsampled here. A failure of one series is reported in `errors` and the others are still
 * returned; cancellation throws.
 */
export async function loadHistories(
  client: HistoryClient,
  runIds: readonly string[],
  metricKeys: readonly string[],
  options: LoadHistoriesOptions,
): Promise<LoadedHistories> {
  const maxPoints = Math.max(2, Math.floor(options.maxPoints));
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const runs = [...new Set(runIds)];
  const keys = [...new Set(metricKeys)];
  if (options.range) checkRange(options.range);
  if (runs.length === 0 || keys.length === 0) return { series: [], errors: [], source: noBulkInterval.has(client) ? 'per-run' : 'bulk' };
  const loaded: LoadedMetric[] = [];
  const one = async (key: string) => {
    const metric = await loadMetric({ client, runIds: runs, key, maxPoints, concurrency, o: options });
    loaded.push(metric);
    options.onMetric?.(metric);
  };
  await one(keys[0]);
  // Per run, each metric already keeps `concurrency` requests in flight: one metric at a time.
  await mapLimit(keys.slice(1), options.exact || noBulkInterval.has(client) ? 1 : concurrency, one);
  return combineLoads(loaded, runs, keys);
}

/** The runs of one tracking server and the client that reads them. */
export interface ServerRuns {
  client: HistoryClient;
  runIds: readonly string[];
}

/**
 * `loadHistories` for runs of several tracking servers (a local run beside its Databricks twin):
 * each server's series are read with its own client, side by side, and `onMetric` gets a metric
 * once every server has answered for it, with the series in the order of `servers` and their runs.
 * A run id must belong to one server only (a panel keys series by run id).
 */
export async function loadHistoriesFromServers(
  servers: readonly ServerRuns[],
  metricKeys: readonly string[],
  options: LoadHistoriesOptions,
): Promise<LoadedHistories> {
  const groups = servers.filter((s) => s.runIds.length > 0);
  const owner = new Map<string, number>();
  groups.forEach((g, i) =>
    g.runIds.forEach((id) => {
      if (owner.has(id) && owner.get(id) !== i) throw new Error(`Run ${id} is listed for two tracking servers; a run id may come from one server only.`);
      owner.set(id, i);
    }),
  );
  if (groups.length === 0) return { series: [], errors: [], source: 'bulk' };
  if (groups.length === 1) return loadHistories(groups[0].client, groups[0].runIds, metricKeys, options);
  const runOrder = groups.flatMap((g) => [...new Set(g.runIds)]);
  const keys = [...new Set(metricKeys)];
  const arrived = new Map<string, LoadedMetric[]>();
  const onMetric = (metric: LoadedMetric) => {
    const parts = arrived.get(metric.metricKey) ?? [];
    parts.push(metric);
    arrived.set(metric.metricKey, parts);
    if (parts.length === groups.length) options.onMetric?.(mergeMetrics(parts, runOrder));
  };
  const results = await Promise.all(groups.map((g) => loadHistories(g.client, g.runIds, keys, { ...options, onMetric })));
  return combineLoads(results, runOrder, keys);
}

/** Loads of parts (metrics, or servers) as one: series in run and metric order, every error, 'per-run' if any part was. */
function combineLoads(parts: readonly Pick<LoadedMetric, 'series' | 'errors' | 'source'>[], runOrder: string[], keys: string[]) {
  return {
    series: orderSeries(
      parts.flatMap((p) => p.series),
      runOrder,
      keys,
    ),
    errors: parts.flatMap((p) => p.errors),
    source: parts.some((p) => p.source === 'per-run') ? ('per-run' as const) : ('bulk' as const),
  };
}

function mergeMetrics(parts: readonly LoadedMetric[], runOrder: string[]): LoadedMetric {
  const first = parts[0];
  return {
    metricKey: first.metricKey,
    series: orderSeries(
      parts.flatMap((p) => p.series),
      runOrder,
      [first.metricKey],
    ),
    errors: parts.flatMap((p) => p.errors),
    source: parts.some((p) => p.source === 'per-run') ? 'per-run' : 'bulk',
    ...(first.range ? { range: first.range } : {}),
  };
}

function checkRange(range: StepRange): void {
  const { startStep, endStep } = range;
  if (!Number.isSafeInteger(startStep) || !Number.isSafeInteger(endStep) || startStep > endStep) {
    throw new RangeError(`The step range [${startStep}, ${endStep}] is not a range of whole steps with start ≤ end.`);
  }
}

function bulkUnsupported(err: unknown): boolean {
  return (
    err instanceof MlflowApiError && (err.errorCode === ClientErrorCodes.endpointNotFound || err.errorCode === 'FEATURE_DISABLED' || err.httpStatus === 501)
  );
}

/** What loading one metric's histories for every run needs: the runs, the metric, and the limits already checked. */
interface MetricLoad {
  client: HistoryClient;
  runIds: string[];
  key: string;
  maxPoints: number;
  concurrency: number;
  o: LoadHistoriesOptions;
}

/** One metric for every run: bulk where the server has it, else per run (and remembered). */
async function loadMetric(load: MetricLoad): Promise<LoadedMetric> {
  if (!load.o.exact && !noBulkInterval.has(load.client)) {
    try {
      return await loadBulk(load);
    } catch (err) {
      if (!bulkUnsupported(err)) throw err;
      noBulkInterval.add(load.client);
    }
  }
  return loadPerRun(load);
}

/** Throws only for cancellation and a server without the endpoint; other failures become `errors`. */
async function loadBulk({ client, runIds, key, maxPoints, o }: MetricLoad): Promise<LoadedMetric> {
  const maxResults = Math.min(maxPoints, BULK_INTERVAL_MAX_RESULTS);
  const base = { metricKey: key, source: 'bulk' as const, ...(o.range ? { range: o.range } : {}) };
  let metrics;
  try {
    metrics = await client.getMetricHistoryBulkInterval(runIds, key, { maxResults, signal: o.signal, ...o.range });
  } catch (err) {
    if (isCancelled(err) || bulkUnsupported(err)) throw err;
    return { ...base, series: [], errors: [{ metricKey: key, message: messageOf(err) }] };
  }
  const byRun = new Map<string, SeriesPoint[]>();
  for (const m of metrics) {
    let list = byRun.get(m.run_id);
    if (!list) byRun.set(m.run_id, (list = []));
    list.push({ step: m.step, timestamp: m.timestamp, value: m.value });
  }
  const series: LoadedSeries[] = [];
  for (const runId of runIds) {
    const all = byRun.get(runId);
    if (!all || all.length === 0) continue;
    sortPoints(all);
    const points = downsample(all, maxPoints);
    // MLflow 3.x samples rows evenly (first and last kept) when a run has more than maxResults of
    // them in the range, else returns them all: a full answer may be a sample.
    const serverSampled = all.length >= maxResults;
    series.push({ runId, metricKey: key, points, sampled: serverSampled || points.length < all.length, ...extremesOf(all), exact: !serverSampled });
  }
  return { ...base, series, errors: [] };
}

async function loadPerRun({ client, runIds, key, maxPoints, concurrency, o }: MetricLoad): Promise<LoadedMetric> {
  const series: LoadedSeries[] = [];
  const errors: HistoryLoadError[] = [];
  await mapLimit(runIds, concurrency, async (runId) => {
    let history: MlflowMetric[];
    try {
      history = await client.getMetricHistory(runId, key, { signal: o.signal });
    } catch (err) {
      if (isCancelled(err)) throw err;
      errors.push({ runId, metricKey: key, message: messageOf(err) });
      return;
    }
    const range = o.range;
    const all = (range ? history.filter((m) => m.step >= range.startStep && m.step <= range.endStep) : history).map((m) => ({
      step: m.step,
      timestamp: m.timestamp,
      value: m.value,
    }));
    if (all.length === 0) return;
    sortPoints(all);
    const points = downsample(all, maxPoints);
    series.push({ runId, metricKey: key, points, sampled: points.length < all.length, ...extremesOf(all), exact: true });
  });
  return { metricKey: key, series: orderSeries(series, runIds, [key]), errors, source: 'per-run', ...(o.range ? { range: o.range } : {}) };
}

function sortPoints(points: SeriesPoint[]): void {
  points.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
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
