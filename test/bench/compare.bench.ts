// Compare-runs benchmark.
// - compare_histories_50x10x10000: 50 runs × 10 metrics × 10,000 steps on a real `mlflow server`
//   (sqlite). Time from the command to data ready: loadHistories exactly as the panel calls it
//   (maxPoints as the webview asks for a ~1100 px wide chart) vs fetching the same histories with
//   raw HTTP (metrics/get-history per run and metric, node:http, same concurrency 8, JSON parsed).
// - compare_chart_draw_500k: headless Chromium, dist/webview/compare.js on a local page, 10 runs ×
//   50,000 points of one metric posted as the extension would (Float64Array columns, buffers
//   transferred); time from the message's arrival to the chart drawn (the panel's own validation,
//   line building and uPlot drawing) vs bare uPlot drawing the same raw 500,000 points.
// - compare_first_chart / compare_all_charts: the panel's progressive load of the same 50 × 10 ×
//   10,000 (loadHistories metric by metric as the panel calls it: overview sampling, the first metric
//   alone, then PANEL_HISTORY_CONCURRENCY at a time, each metric turned into the columns the panel
//   posts): time to the first metric's series ready to draw vs one raw get-history-bulk-interval
//   request of that metric for the 50 runs; time to all ten vs the ten raw requests of the same
//   sampling fetched one after another (node:http, JSON parsed).
// - compare_zoom_refine: one metric's detail for a zoomed range (start_step/end_step) vs its raw request.
// - compare_table_extremes: the Metrics table's exact min/max of the same 50 × 10 × 10,000 (loadExtremes
//   as the panel calls it: one sampled bulk request per metric, then the full history of every run
//   whose sample was not all of it: here all of them) vs the raw get-history of every run and metric
//   (node:http, the same concurrency 4, JSON parsed): the cost of exactness is the full histories.
//   Also printed: the sampled-only pass the table used before (approximate min/max).
// Run one figure: MLFLOW_WB_BENCH_ONLY=chart|histories|progressive|extremes (or `npm run bench -- compare --only chart`);
// MLFLOW_WB_BENCH_PROFILE=1 also prints where the panel's time goes.
// The seeded sqlite file is cached under $MLFLOW_WB_CACHE (or ~/.cache/mlflow-workbench)/bench/.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { OVERVIEW_POINTS } from '../../src/engine/compare/downsample';
import { toHistoryColumns } from '../../src/engine/compare/historyColumns';
import { BULK_INTERVAL_MAX_RESULTS, loadHistories, mapLimit, PANEL_HISTORY_CONCURRENCY, type StepRange } from '../../src/engine/compare/loadHistories';
import { loadExtremes } from '../../src/engine/compare/metricExtremes';
import { startLocalTrackingServer } from '../../src/engine/mlflow/localTrackingServer';
import { MlflowRestClient } from '../../src/engine/mlflow/mlflowRestClient';
import { chromiumPath } from '../support/codeServer';
import { makeTempDir, repoRoot, venvPython } from '../support/repoPaths';
import { runVenvPython } from '../support/venvPythonRun';
import { cachedSeededDatabase, copyOfDatabase, median, rawJson, reportBench, time } from './benchSetup';

const RUNS = 50;
const METRICS = 10;
const STEPS = 10_000;
/** Bump when SEED_SCRIPT changes what it writes. */
const SEED_VERSION = 1;
const CONCURRENCY = 8;
/** What the webview asks for: two points per pixel of a ~1100 px chart. */
const PANEL_MAX_POINTS = 2224;

/** Writes the runs straight into MLflow's own schema (created by its SqlAlchemyStore, so migrations match). */
const SEED_SCRIPT = `
import json, sys, time, uuid
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
db, n_runs, n_metrics, n_steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
started = time.time()
store = SqlAlchemyStore(f"sqlite:///{db}", "mlflow-artifacts:/")
experiment_id = store.create_experiment("bench-compare")
base = 1_700_000_000_000
run_ids = []
with store.engine.begin() as conn:
    cur = conn.connection.cursor()
    for r in range(n_runs):
        run_id = uuid.uuid4().hex
        run_ids.append(run_id)
        start = base + r * 1000
        cur.execute("INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, f"run-{r:02d}", "LOCAL", "bench", "", "bench", "FINISHED", start, start + n_steps * 10, "", "active", f"mlflow-artifacts:/{experiment_id}/{run_id}/artifacts", int(experiment_id)))
        cur.execute("INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)", ("mlflow.runName", f"run-{r:02d}", run_id))
        cur.execute("INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)", ("lr", str(0.001 * (r + 1)), run_id))
        for m in range(n_metrics):
            key = f"metric_{m}"
            rows = [(key, (m + 1) / (1 + s / (r + 10)), start + s * 10, run_id, s, 0) for s in range(n_steps)]
            cur.executemany("INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)", rows)
            last = rows[-1]
            cur.execute("INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?)", (key, last[1], last[2], last[4], 0, run_id))
store.engine.dispose()
print(json.dumps({"experiment_id": experiment_id, "run_ids": run_ids, "seconds": time.time() - started}))
`;

async function seededDatabase(): Promise<{ db: string; runIds: string[] }> {
  const name = `compare-v${SEED_VERSION}-${RUNS}x${METRICS}x${STEPS}`;
  const { db, seeded } = await cachedSeededDatabase<{ run_ids: string[] }>(name, (file) =>
    runVenvPython(['-c', SEED_SCRIPT, file, String(RUNS), String(METRICS), String(STEPS)]),
  );
  return { db, runIds: seeded.run_ids };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** The bare request: node:http GET, keep-alive, body parsed; the server pages long histories. */
async function rawHistory(baseUrl: string, runId: string, key: string): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const body = await rawHistoryPage(baseUrl, runId, key, token);
    count += body.metrics?.length ?? 0;
    token = body.next_page_token || undefined;
  } while (token);
  return count;
}

function rawHistoryPage(baseUrl: string, runId: string, key: string, pageToken?: string): Promise<{ metrics?: unknown[]; next_page_token?: string }> {
  const url = `${baseUrl}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=${encodeURIComponent(key)}${pageToken ? `&page_token=${encodeURIComponent(pageToken)}` : ''}`;
  return rawJson(url, { agent });
}

/** The bare get-history-bulk-interval request of one metric for all runs; returns the points. */
async function rawBulkInterval(baseUrl: string, runIds: string[], key: string, maxResults: number, range?: StepRange): Promise<number> {
  const query = new URLSearchParams();
  for (const id of runIds) query.append('run_ids', id);
  query.set('metric_key', key);
  query.set('max_results', String(maxResults));
  if (range) {
    query.set('start_step', String(range.startStep));
    query.set('end_step', String(range.endStep));
  }
  const body = await rawJson<{ metrics?: unknown[] }>(`${baseUrl}/api/2.0/mlflow/metrics/get-history-bulk-interval?${query}`, { agent });
  return (body.metrics ?? []).length;
}

async function benchHistories(): Promise<void> {
  const { db, runIds } = await seededDatabase();
  const dataDir = copyOfDatabase(db, 'bench-compare');
  const server = await startLocalTrackingServer({ python: venvPython, dataDir });
  try {
    const client = new MlflowRestClient({ baseUrl: server.url, timeoutMs: 300_000 });
    const keys = Array.from({ length: METRICS }, (_, m) => `metric_${m}`);
    const panelLoad = async () => {
      const result = await loadHistories(client, runIds, keys, { maxPoints: PANEL_MAX_POINTS, concurrency: CONCURRENCY });
      if (result.series.length !== RUNS * METRICS || result.errors.length > 0)
        throw new Error(`panel loaded ${result.series.length} series, ${result.errors.length} errors`);
      if (result.series.some((s) => s.points[0].step !== 0 || s.points.at(-1)!.step !== STEPS - 1)) throw new Error('a series lost its first or last step');
      return result;
    };
    const rawLoad = async () => {
      const tasks = runIds.flatMap((runId) => keys.map((key) => ({ runId, key })));
      let points = 0;
      await mapLimit(tasks, CONCURRENCY, async ({ runId, key }) => {
        // Read after the await: `points += await …` would add to a stale total.
        const count = await rawHistory(server.url, runId, key);
        points += count;
      });
      if (points !== RUNS * METRICS * STEPS) throw new Error(`raw fetched ${points} points`);
    };
    // Warm-up: connections, sqlite page cache.
    const warm = await panelLoad();
    console.log(`panel path: ${warm.source}, ${warm.series.reduce((n, s) => n + s.points.length, 0)} points for ${warm.series.length} series`);
    // Raw pulls 5,000,000 points through a one-worker server (minutes): one timed pass, between
    // panel passes so drift in the server hits both alike.
    const panelTimes: number[] = [await time(panelLoad)];
    const rawMs = await time(rawLoad);
    panelTimes.push(await time(panelLoad), await time(panelLoad));
    const rawTimes = [rawMs];
    console.log(`panel passes: ${panelTimes.map((t) => t.toFixed(0)).join(', ')} ms; raw pass: ${rawMs.toFixed(0)} ms`);
    reportBench('compare_histories_50x10x10000', median(panelTimes), median(rawTimes), 'raw_http');
  } finally {
    agent.destroy();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * In the panel's page. prepare(): post the runs, wait for the panel's history request, build the
 * histories as the extension sends them (Float64Array columns, see src/extension/compare/comparePanel.ts).
 * measure(): post them (transferring the buffers, as VS Code does) and time until drawn. Resolves
 * [from the message's arrival: validation, preparation, drawing; from posting it: plus the structured clone].
 */
const PANEL_MEASURE = `
let arrived = 0;
// Registered before compare.js: runs first when the message event fires, after deserialisation.
window.addEventListener('message', (e) => { if (e.data && e.data.type === 'histories') arrived = performance.now(); });
let prepared;
window.prepare = (runs, points) => new Promise((resolve, reject) => {
  const runList = Array.from({ length: runs }, (_, r) => ({ runId: ('run' + r).padEnd(32, '0'), name: 'run-' + r, experimentId: '1', status: 'FINISHED' }));
  const comparison = { runs: runList, params: [], tags: [], metrics: [{ key: 'loss', latest: runList.map(() => 0.1), best: -1, higherIsBetter: false, differs: false }] };
  window.postMessage({ type: 'runs', connectionId: 'bench', connectionLabel: 'bench', comparison, refreshing: false, missing: [] }, '*');
  const series = runList.map((run, r) => {
    const steps = new Float64Array(points), timestamps = new Float64Array(points), values = new Float64Array(points);
    for (let s = 0; s < points; s++) { steps[s] = s; timestamps[s] = 1.7e12 + s * 1000; values[s] = (r + 1) / (1 + s / 500) + Math.sin(s) * 0.01; }
    return { runId: run.runId, metricKey: 'loss', sampled: false, exact: true, steps, timestamps, values };
  });
  setTimeout(() => {
    const request = window.__posted.find((m) => m.type === 'loadHistories');
    if (!request) return reject(new Error('the panel asked for no histories: ' + JSON.stringify(window.__posted)));
    prepared = { runs, points, series, request };
    resolve();
  }, 50);
});
window.measure = () => new Promise((resolve, reject) => {
  const { runs, points, series, request } = prepared;
  const started = performance.now();
  window.addEventListener('mlflow-compare-charts-drawn', (e) => {
    if (e.detail.points !== runs * points) reject(new Error('drew ' + e.detail.points + ' points'));
    // The next frame: the canvas is on screen.
    const built = performance.now();
    requestAnimationFrame(() => { const now = performance.now(); resolve([now - arrived, now - started, e.detail.ms, built - arrived]); });
  });
  const buffers = series.flatMap((s) => [s.steps.buffer, s.timestamps.buffer, s.values.buffer]);
  window.postMessage({ type: 'histories', requestId: request.requestId, metricKeys: ['loss'], series, errors: [], source: 'per-run' }, '*', buffers);
});`;

/** In a bare page: uPlot alone drawing the same raw points (what the panel would do without its care). */
const BARE_MEASURE = `
window.measure = (runs, points) => new Promise((resolve) => {
  const xs = Array.from({ length: points }, (_, s) => s);
  const ys = Array.from({ length: runs }, (_, r) => xs.map((s) => (r + 1) / (1 + s / 500) + Math.sin(s) * 0.01));
  const started = performance.now();
  new uPlot({ width: 1160, height: 300, series: [{}, ...ys.map(() => ({ stroke: '#3794ff', points: { show: false } }))] }, [xs, ...ys], document.getElementById('app'));
  requestAnimationFrame(() => resolve(performance.now() - started));
});`;

async function benchChartDraw(): Promise<void> {
  const dist = path.join(repoRoot, 'dist', 'webview');
  if (!fs.existsSync(path.join(dist, 'compare.js'))) throw new Error(`${dist}/compare.js is missing: run \`npm run build\` first.`);
  const dir = makeTempDir('bench-chart');
  const uplotJs = path.join(repoRoot, 'node_modules', 'uplot', 'dist', 'uPlot.iife.min.js');
  const page = (body: string) =>
    `<!DOCTYPE html><html><head><link rel="stylesheet" href="file://${dist}/compare.css"></head><body class="vscode-dark">${body}</body></html>`;
  fs.writeFileSync(
    path.join(dir, 'panel.html'),
    page(
      `<div id="app"></div><script>window.__posted=[];window.acquireVsCodeApi=()=>({postMessage:(m)=>window.__posted.push(m),getState:()=>({tab:'charts'}),setState:()=>{}});${PANEL_MEASURE}</script><script src="file://${dist}/compare.js"></script>`,
    ),
  );
  fs.writeFileSync(path.join(dir, 'bare.html'), page(`<div id="app"></div><script src="file://${uplotJs}"></script><script>${BARE_MEASURE}</script>`));
  const RUNS_DRAWN = 10;
  const POINTS = 50_000;
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const panelTimes: number[] = [];
    const panelWithMessageTimes: number[] = [];
    const bareTimes: number[] = [];
    // Fresh pages each round (no warm caches carried over); the first round is a warm-up.
    for (let i = 0; i < 10; i++) {
      const panel = await context.newPage();
      await panel.goto(`file://${dir}/panel.html`);
      await panel.evaluate(`window.prepare(${RUNS_DRAWN}, ${POINTS})`);
      const [drawMs, withMessageMs] = (await panel.evaluate('window.measure()')) as [number, number];
      panelTimes.push(drawMs);
      panelWithMessageTimes.push(withMessageMs);
      await panel.close();
      const bare = await context.newPage();
      await bare.goto(`file://${dir}/bare.html`);
      bareTimes.push(Number(await bare.evaluate(`window.measure(${RUNS_DRAWN}, ${POINTS})`)));
      await bare.close();
    }
    const bareMs = median(bareTimes.slice(1));
    reportBench('compare_chart_draw_500k', median(panelTimes.slice(1)), bareMs, 'uplot_raw_500k');
    // The same from posting the message: plus postMessage's structured clone (buffers transferred, as VS Code does).
    reportBench('compare_chart_message_to_draw_500k', median(panelWithMessageTimes.slice(1)), bareMs, 'uplot_raw_500k');
    if (process.env.MLFLOW_WB_BENCH_PROFILE) await profilePanel(context, `file://${dir}/panel.html`, RUNS_DRAWN, POINTS);
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * MLFLOW_WB_BENCH_PROFILE=1: one more panel round under Chromium's sampling profiler; prints the
 * functions with the most self time (where the panel's milliseconds go). Not a BENCH figure.
 */
async function profilePanel(context: BrowserContext, url: string, runs: number, points: number): Promise<void> {
  const page = await context.newPage();
  await page.goto(url);
  await page.evaluate(`window.prepare(${runs}, ${points})`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  const [drawMs, , chartsMs, builtMs] = (await page.evaluate('window.measure()')) as number[];
  const { profile } = await cdp.send('Profiler.stop');
  await page.close();
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMs = new Map<string, number>();
  profile.samples?.forEach((id, i) => {
    const frame = nodes.get(id)!.callFrame;
    const where = `${frame.functionName || '(anonymous)'} ${path.basename(frame.url) || ''}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`;
    selfMs.set(where, (selfMs.get(where) ?? 0) + (profile.timeDeltas?.[i] ?? 0) / 1000);
  });
  console.log(
    `profile of one panel round: ${drawMs.toFixed(1)} ms from the message's arrival to the next frame, ${builtMs.toFixed(1)} ms to the charts built (${chartsMs.toFixed(1)} ms of it building and drawing them); self time:`,
  );
  for (const [where, ms] of [...selfMs].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${ms.toFixed(1).padStart(7)} ms  ${where}`);
}

async function benchProgressive(): Promise<void> {
  const { db, runIds } = await seededDatabase();
  const dataDir = makeTempDir('bench-compare-progressive');
  fs.copyFileSync(db, path.join(dataDir, 'mlflow.db'));
  const server = await startLocalTrackingServer({ python: venvPython, dataDir });
  try {
    const client = new MlflowRestClient({ baseUrl: server.url, timeoutMs: 300_000 });
    const keys = Array.from({ length: METRICS }, (_, m) => `metric_${m}`);
    const panelLoad = async (): Promise<{ firstMs: number; allMs: number }> => {
      const started = process.hrtime.bigint();
      let firstMs = 0;
      let series = 0;
      await loadHistories(client, runIds, keys, {
        maxPoints: OVERVIEW_POINTS,
        concurrency: PANEL_HISTORY_CONCURRENCY,
        onMetric: (m) => {
          // What the panel posts: the series as columns.
          for (const s of m.series) toHistoryColumns(s.points);
          series += m.series.length;
          if (firstMs === 0) firstMs = Number(process.hrtime.bigint() - started) / 1e6;
        },
      });
      if (series !== RUNS * METRICS) throw new Error(`panel loaded ${series} series`);
      return { firstMs, allMs: Number(process.hrtime.bigint() - started) / 1e6 };
    };
    const rawOne = async (key: string, range?: StepRange) => {
      const points = await rawBulkInterval(server.url, runIds, key, OVERVIEW_POINTS, range);
      if (points < RUNS * 2) throw new Error(`raw request of ${key} returned ${points} points`);
    };
    const rawAll = async () => {
      for (const key of keys) await rawOne(key);
    };
    const zoom = { startStep: 4000, endStep: 5999 };
    const zoomLoad = async () => {
      const result = await loadHistories(client, runIds, ['metric_3'], { maxPoints: OVERVIEW_POINTS, range: zoom });
      if (result.series.length !== RUNS || result.series.some((s) => s.points[0].step !== zoom.startStep || s.points.at(-1)!.step !== zoom.endStep))
        throw new Error('the zoomed range came back incomplete');
      for (const s of result.series) toHistoryColumns(s.points);
    };
    // Warm-up: connections, the server's first requests, sqlite page cache.
    await panelLoad();
    await rawAll();
    const first: number[] = [];
    const all: number[] = [];
    const rawFirst: number[] = [];
    const rawAllTimes: number[] = [];
    const zoomTimes: number[] = [];
    const rawZoom: number[] = [];
    // Interleaved rounds: drift on the shared machine hits both sides alike.
    for (let round = 0; round < 5; round++) {
      const panel = await panelLoad();
      first.push(panel.firstMs);
      all.push(panel.allMs);
      rawFirst.push(await time(() => rawOne(keys[0])));
      rawAllTimes.push(await time(rawAll));
      zoomTimes.push(await time(zoomLoad));
      rawZoom.push(await time(() => rawOne('metric_3', zoom)));
    }
    console.log(
      `first chart: ${first.map((t) => t.toFixed(0)).join(', ')} ms vs raw ${rawFirst.map((t) => t.toFixed(0)).join(', ')} ms; all charts: ${all.map((t) => t.toFixed(0)).join(', ')} ms vs raw sequential ${rawAllTimes.map((t) => t.toFixed(0)).join(', ')} ms`,
    );
    reportBench('compare_first_chart', median(first), median(rawFirst), 'raw_bulk_interval_one_metric');
    reportBench('compare_all_charts', median(all), median(rawAllTimes), 'raw_bulk_interval_sequential');
    reportBench('compare_zoom_refine', median(zoomTimes), median(rawZoom), 'raw_bulk_interval_range');
  } finally {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function benchExtremes(): Promise<void> {
  const { db, runIds } = await seededDatabase();
  const dataDir = copyOfDatabase(db, 'bench-compare-extremes');
  const server = await startLocalTrackingServer({ python: venvPython, dataDir });
  const concurrency = 4;
  try {
    const client = new MlflowRestClient({ baseUrl: server.url, timeoutMs: 300_000 });
    const keys = Array.from({ length: METRICS }, (_, m) => `metric_${m}`);
    const exact = async () => {
      const result = await loadExtremes([{ client, runIds }], keys, { concurrency });
      const all = [...result.extremes.values()].flatMap((m) => [...m.values()]);
      if (all.length !== RUNS * METRICS || all.some((e) => !e.exact) || result.errors.length > 0)
        throw new Error(`exact extremes: ${all.length} found, ${result.errors.length} errors`);
      return result.fullHistories;
    };
    const sampledOnly = async () => {
      const result = await loadHistories(client, runIds, keys, { maxPoints: BULK_INTERVAL_MAX_RESULTS, concurrency });
      if (result.series.length !== RUNS * METRICS) throw new Error(`sampled: ${result.series.length} series`);
    };
    const raw = async () => {
      let points = 0;
      await mapLimit(
        runIds.flatMap((runId) => keys.map((key) => ({ runId, key }))),
        concurrency,
        async ({ runId, key }) => {
          const count = await rawHistory(server.url, runId, key);
          points += count;
        },
      );
      if (points !== RUNS * METRICS * STEPS) throw new Error(`raw fetched ${points} points`);
    };
    await sampledOnly(); // warm-up: connections, sqlite page cache
    // Each pass pulls 5,000,000 points through a one-worker server: one timed pass of each.
    const sampledMs = await time(sampledOnly);
    let full = 0;
    const exactMs = await time(async () => {
      full = await exact();
    });
    const rawMs = await time(raw);
    console.log(
      `table extremes: exact ${exactMs.toFixed(0)} ms (${full} full histories read), sampled only ${sampledMs.toFixed(0)} ms, raw get-history of all ${rawMs.toFixed(0)} ms`,
    );
    reportBench('compare_table_extremes', exactMs, rawMs, 'raw_get_history_all');
  } finally {
    agent.destroy();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const only = process.env.MLFLOW_WB_BENCH_ONLY;
  const figures = ['chart', 'histories', 'progressive', 'extremes'];
  if (only && !figures.includes(only)) throw new Error(`MLFLOW_WB_BENCH_ONLY=${only}: compare.bench has the figures ${figures.join(', ')}.`);
  if (!only || only === 'chart') await benchChartDraw();
  if (!only || only === 'progressive') await benchProgressive();
  if (!only || only === 'histories') await benchHistories();
  if (!only || only === 'extremes') await benchExtremes();
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
